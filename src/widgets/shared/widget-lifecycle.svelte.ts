/**
 * The lifecycle every configurable widget shares, called once while its component initialises:
 * the state takes the element's configuration before each render that changes it, and its work
 * stops when the component is destroyed.
 */
export function followConfig<C>(
  state: { configure(config: C): void },
  config: () => C,
  stop: () => void,
): void {
  $effect.pre(() => {
    state.configure(config());
  });
  $effect(() => () => stop());
}
