export { rowRandom, seededRandom } from './random';
