/**
 * Spool's gRPC service `spool.v1.TokenStream` for grpc-js: the one `.proto`
 * (packages/protocol/src/proto) loaded at run time, and its generated TypeScript types.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/token_stream.ts';

export { fromGrpcChunk, toGrpcChunk } from './chunk-codec.ts';
export type { Chunk as GrpcChunk } from './generated/spool/v1/Chunk.ts';
export type { ClientFrame, ClientFrame__Output } from './generated/spool/v1/ClientFrame.ts';
export type { CreateRequest__Output } from './generated/spool/v1/CreateRequest.ts';
export type { CreateResponse } from './generated/spool/v1/CreateResponse.ts';
export type { ReadRequest__Output } from './generated/spool/v1/ReadRequest.ts';
export type { ServerFrame, ServerFrame__Output } from './generated/spool/v1/ServerFrame.ts';
export type { TokenStreamClient } from './generated/spool/v1/TokenStream.ts';
export type { ProtoGrpcType };

export const PROTO_FILE = 'spool/v1/token_stream.proto';

/** How proto-loader reads the messages: the options the generated types were made with. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

/**
 * Where the `.proto` is: beside a bundle that carries it (`dist/proto`, the gateway's), else in
 * @spool/protocol's sources.
 */
export function protoRoot(): string {
  const bundled = fileURLToPath(new URL('./proto/', import.meta.url));
  if (existsSync(`${bundled}${PROTO_FILE}`)) return bundled;
  return fileURLToPath(new URL('../../protocol/src/proto/', import.meta.url));
}

/** The service and its messages, for a grpc-js server (`addService`) or client (`new …`). */
export function loadTokenStreamProto(): ProtoGrpcType {
  const definition = loadSync(PROTO_FILE, { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  return loadPackageDefinition(definition) as unknown as ProtoGrpcType;
}
