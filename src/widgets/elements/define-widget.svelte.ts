/**
 * Defines one <la-*> custom element around a widget component:
 *
 * - its own open shadow root, so host CSS cannot reach in and widget CSS cannot leak out; styles
 *   are adopted constructable stylesheets (no <style> element, no inline style attribute), which
 *   keeps the widget working under a Content-Security-Policy without 'unsafe-inline';
 * - every attribute parsed by the validation layer (shared/attributes.ts) from the widget's doc.ts:
 *   a bad value is replaced, named in one console warning and in a small note; changing an
 *   attribute after render updates the widget's props (the widget re-runs as its state decides);
 * - `theme="light|dark|auto"`, reflected on the host as the custom state `dark` (and, without
 *   custom states, a `data-la-theme` attribute) so the token sheet switches;
 * - whatever the page put inside the tag (fallback text or an image) shows until the element
 *   upgrades, and stays if the script never loads: a shadow root without a <slot> hides it;
 * - a guarded define: a second copy of the bundle (the same version or another) leaves the tags to
 *   the first and says so once in the console, instead of throwing NotSupportedError.
 */
import { mount, unmount, type Component } from 'svelte';
import { version } from '../../../package.json';
import type { WidgetDoc } from '../catalog-types.ts';
import {
  attributesOf,
  createWarner,
  parseAttributes,
  propertyName,
  type AttributeCorrection,
  type AttributeValue,
} from '../shared/attributes.ts';
import { widgetSheets, adoptSheets } from '../shared/widget-styles.ts';
import { resolveTheme } from './host-theme.svelte.ts';
import Shell from './Shell.svelte';

/** This bundle's version, shown when two copies meet on one page. */
export const BUNDLE_VERSION: string = version;

/** What the first bundle on a page leaves on `globalThis`, under a registry-wide symbol. */
interface BundleMark {
  version: string;
}
const MARK = Symbol.for('linear-attention-live.widgets');

export interface WidgetDefinition {
  doc: WidgetDoc;
  /** The thin wrapper (elements/la-*.svelte): props named after the attributes, in camelCase. */
  component: Component<Record<string, unknown>>;
}

interface ShellState {
  props: Record<string, unknown>;
  corrections: AttributeCorrection[];
}

function toProps(values: Record<string, AttributeValue>): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name !== 'theme') props[propertyName(name)] = value;
  }
  return props;
}

function createElementClass({ doc, component }: WidgetDefinition): CustomElementConstructor {
  const observed = attributesOf(doc).map((a) => a.name);
  return class LaWidgetElement extends HTMLElement {
    static observedAttributes = observed;
    #state: ShellState = $state({ props: {}, corrections: [] });
    #theme = $state('auto');
    #app: Record<string, unknown> | null = null;
    #stopTheme: (() => void) | null = null;
    #internals: ElementInternals | null = null;
    #warn = createWarner(`<${doc.tag}>`);

    constructor() {
      super();
      try {
        this.#internals = this.attachInternals();
      } catch {
        // Without ElementInternals the theme falls back to a host attribute (see #applyTheme).
      }
    }

    #parse(): void {
      const { values, corrections } = parseAttributes(doc, (name) => this.getAttribute(name));
      this.#warn(corrections);
      this.#state.props = toProps(values);
      this.#state.corrections = corrections;
      this.#theme = String(values.theme);
    }

    #applyTheme(dark: boolean): void {
      const states = this.#internals?.states;
      if (states) {
        if (dark) states.add('dark');
        else states.delete('dark');
      } else {
        this.toggleAttribute('data-la-theme', dark);
        if (dark) this.setAttribute('data-la-theme', 'dark');
      }
    }

    connectedCallback(): void {
      if (this.#app) return;
      this.#parse();
      const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      root.replaceChildren();
      adoptSheets(root, widgetSheets());
      const state = this.#state;
      this.#stopTheme = $effect.root(() => {
        $effect(() => this.#applyTheme(resolveTheme(this.#theme) === 'dark'));
      });
      this.#app = mount(Shell, {
        target: root,
        props: {
          widget: component,
          get props() {
            return state.props;
          },
          get corrections() {
            return state.corrections;
          },
          tag: doc.tag,
        },
      });
    }

    disconnectedCallback(): void {
      // Moving an element (remove, then insert) keeps it alive; only a real removal unmounts.
      queueMicrotask(() => {
        if (this.isConnected || !this.#app) return;
        void unmount(this.#app);
        this.#app = null;
        this.#stopTheme?.();
        this.#stopTheme = null;
        this.shadowRoot?.replaceChildren();
      });
    }

    attributeChangedCallback(
      _name: string,
      oldValue: string | null,
      newValue: string | null,
    ): void {
      if (oldValue === newValue || !this.#app) return;
      this.#parse();
    }
  };
}

/**
 * Defines every widget's element unless this page already has them. When another copy of the
 * bundle got there first, this one leaves all tags to it and says so once, naming both versions.
 */
export function defineWidgets(definitions: readonly WidgetDefinition[]): void {
  if (typeof customElements === 'undefined') return;
  const global = globalThis as { [MARK]?: BundleMark };
  const first = global[MARK];
  const taken = definitions.filter((d) => customElements.get(d.doc.tag) !== undefined);
  if (first || taken.length > 0) {
    const by = first ? `version ${first.version}` : 'another script';
    console.info(
      `linear-attention-live widgets ${BUNDLE_VERSION}: the <la-*> elements on this page are already defined by ${by}; this copy leaves them to it.`,
    );
  }
  if (!first) global[MARK] = { version: BUNDLE_VERSION };
  for (const definition of definitions) {
    if (customElements.get(definition.doc.tag) === undefined) {
      customElements.define(definition.doc.tag, createElementClass(definition));
    }
  }
}
