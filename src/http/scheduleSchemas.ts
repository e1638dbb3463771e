// Schedule request/response schemas and their OpenAPI paths (filled in with the scheduler).
import type { OpenApiAdd, OpenApiHelpers } from './openapi';

export function scheduleOpenApiPaths(_add: OpenApiAdd, _helpers: OpenApiHelpers): void {}
