/**
 * One notice per page about the page's GPU. Where a page carries a page-level notice (the
 * article's "Your GPU" panel registers itself here), each widget points to it in one line instead
 * of repeating why there is no live run; a widget embedded alone on a host page, with no such
 * notice, still explains itself in full (DeviceNote).
 */
class PageNotice {
  /** The element id of the page's notice, or null when the page has none. */
  id = $state<string | null>(null);

  /** Registers the page's notice; returns the function that removes it again. */
  register(id: string): () => void {
    this.id = id;
    return () => {
      if (this.id === id) this.id = null;
    };
  }
}

/** The single instance every widget on a page shares. */
export const pageNotice = new PageNotice();
