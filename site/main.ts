// The article page: styles (KaTeX's CSS and fonts bundled by Vite), the GPU panel, every <la-*>
// widget, and the small behaviours of the page (theme, contents, previews, copy buttons).
import 'katex/dist/katex.min.css';
import './styles/article.css';
import { mount } from 'svelte';
import '../src/widgets/register.ts';
import GpuPanel from '../src/widgets/gpu-panel/GpuPanel.svelte';
import { enableCopyButtons } from './article/copy.ts';
import { enableMarginLayout } from './article/margin.ts';
import { enablePreviews } from './article/previews.ts';
import { enableThemeToggle } from './article/theme.ts';
import { enableTocSpy } from './article/toc.ts';

const target = document.getElementById('gpu-panel');
if (target) mount(GpuPanel, { target });

enableThemeToggle();
enableTocSpy();
enablePreviews();
enableCopyButtons();
enableMarginLayout();
