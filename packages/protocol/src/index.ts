export * from './chunk.ts';
export { controlFields } from './chunk-fields.ts';
export * from './client-frame.ts';
export * from './client-frame-schemas.ts';
export * from './epoch.ts';
export * from './errors.ts';
export * from './generation-rules.ts';
export * from './http-api.ts';
export * from './http-paths.ts';
export * from './http-query.ts';
export * from './http-query-schemas.ts';
export * from './items.ts';
export {
  decodeJsonObject,
  exceedsUtf8Length,
  isJsonObject,
  type JsonObject,
} from './json-object.ts';
export * from './limits.ts';
export * from './liveness.ts';
export * from './params.ts';
export * from './protocol-error.ts';
export * from './schemas.ts';
export * from './sse.ts';
export * from './ui-message-stream.ts';
export * from './validate.ts';
export * from './ws.ts';
