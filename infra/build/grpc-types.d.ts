export declare const PROTO_FILE = "spool/v1/token_stream.proto";
export declare const GENERATED_DIR: string;
/** Generates the types into `outDir` (replacing it); returns the files written. */
export declare function generateGrpcTypes(outDir: string): Promise<string[]>;
