// The template module's public surface: load and render reply templates, build TwiML.
export {
  buildTemplateStore,
  loadTemplateFiles,
  type BuildTemplateStoreOptions,
  type BuildTemplateStoreResult,
  type LoadTemplateFilesOptions,
  type TemplateFile,
  type TemplateLoadError,
  type TemplateStore,
} from './store';
export { buildTemplateContext, type TemplateContext, type TemplateContextInput } from './context';
export { TemplateRenderError } from './errors';
export type { SourceProblem } from './compile';
export { buildTwiml, splitMessage, type TwimlReply } from './twiml';
export {
  createTemplateEnvironment,
  type TemplateEnvironment,
  type TemplateEnvironmentOptions,
} from './environment';
export { DEFAULT_DATE_FORMAT } from './helpers';
