import { defineProject } from 'vitest/config';
import { timeouts } from '../vitest.config.js';

export default defineProject({ test: { name: 'sql', ...timeouts } });
