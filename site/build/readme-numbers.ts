/**
 * README.md's measured numbers, generated from data/ with the same tokens as the posts
 * (data-tokens.ts): `node scripts/update-readme-numbers.mjs` rewrites the section between the
 * markers, and a unit test fails when README.md and data/ disagree.
 */
import { resolveDataTokens, type TokenData } from './data-tokens.ts';

export const README_BEGIN =
  '<!-- numbers:begin (generated from data/ by scripts/update-readme-numbers.mjs; edit the template in site/build/readme-numbers.ts) -->';
export const README_END = '<!-- numbers:end -->';

/** The section's Markdown, with data tokens. */
export const README_TEMPLATE = `On the reference NVIDIA H200 ({{date}}; {{rounds}} rounds in one call, each number the median of its
round medians; our kernels in fp32 without tensor cores, forward only, batch 1, twelve heads of
d = 64, random inputs), chunked linear attention takes {{time linear-chunked 65536}} at 65,536 tokens
({{spread linear-chunked 65536}} across rounds): {{ratio softmax-flash linear-chunked 65536}} faster than this
project's tiled softmax kernel ({{time softmax-flash 65536}}) and {{ratio torch.softmax-sdpa linear-chunked 65536}}
faster than PyTorch's fused fp32 attention on the same card ({{time torch.softmax-sdpa 65536}}). It
overtakes our tiled softmax {{crossover softmax-flash linear-chunked}}, and PyTorch's
{{crossover torch.softmax-sdpa linear-chunked}}. At 131,072 tokens it takes {{time linear-chunked 131072}},
where the tiled softmax kernel would take an estimated {{estimate-quadratic softmax-flash 131072}}.`;

/** The generated section, markers included; throws a sentence listing any missing value. */
export function renderReadmeNumbers(data: TokenData | null): string {
  const { text, problems } = resolveDataTokens(README_TEMPLATE, data);
  if (problems.length) throw new Error(`README numbers: ${problems.join('; ')}`);
  return `${README_BEGIN}\n${text}\n${README_END}`;
}

/** README with its marked section replaced; throws when the markers are missing. */
export function replaceReadmeNumbers(readme: string, section: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      'README.md has no numbers section (the numbers:begin and numbers:end markers).',
    );
  }
  return readme.slice(0, begin) + section + readme.slice(end + README_END.length);
}
