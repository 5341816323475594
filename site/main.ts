import { mount } from 'svelte';
import GpuPanel from '../src/widgets/gpu-panel/GpuPanel.svelte';

const target = document.getElementById('gpu-panel');
if (target) mount(GpuPanel, { target });
