/** Copy buttons on code blocks: copies the block's text and says so for a moment. */
export function enableCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('.copy-button')) {
    button.addEventListener('click', async () => {
      const code = button.closest('.code-block')?.querySelector('pre')?.textContent ?? '';
      try {
        await navigator.clipboard.writeText(code);
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Select and copy';
      }
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  }
}
