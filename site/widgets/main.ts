// The course-author page: the design tokens, every <la-*> element, and the catalogue generated from
// the widgets' doc.ts files.
import '../styles/base.css';
import { mount } from 'svelte';
import '../../src/widgets/register.ts';
import CatalogPage from '../../src/widgets/catalog-page/CatalogPage.svelte';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import { enableThemeToggle } from '../article/theme.ts';

const target = document.getElementById('catalog');
if (target) {
  mount(CatalogPage, {
    target,
    props: {
      docs: WIDGET_DOCS,
      // Where this deployment serves the embed bundle, so the snippet can be copied as is.
      embedUrl: new URL('../embed/widgets.js', window.location.href).href,
    },
  });
}
enableThemeToggle();
