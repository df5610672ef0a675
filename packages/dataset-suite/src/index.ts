export { collect, type CollectOptions, type Collected } from './collect.js';
export { RECIPES, SUITE_NAMES, findRecipe, recipe, type Recipe, type Segment } from './recipes.js';
export { generate, loadSuiteDataset, suitePath, suiteCacheDir, SUITE_DIR_ENV, type GenerateOptions, type Generated } from './suite.js';
