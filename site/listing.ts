// The list of posts: the shared styles and the theme toggle, nothing else.
import './styles/article.css';
import { enableThemeToggle } from './article/theme.ts';

enableThemeToggle();
