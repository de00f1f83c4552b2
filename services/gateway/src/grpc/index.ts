/** What a gRPC client of the gateway needs: the service's loader and its generated types. */
export type { ClientFrame } from './generated/spool/v1/ClientFrame.ts';
export type { ServerFrame__Output } from './generated/spool/v1/ServerFrame.ts';
export type { TokenStreamClient } from './generated/spool/v1/TokenStream.ts';
export {
  loadTokenStreamProto,
  PROTO_FILE,
  PROTO_LOADER_OPTIONS,
  protoRoot,
} from './grpc-server.ts';
