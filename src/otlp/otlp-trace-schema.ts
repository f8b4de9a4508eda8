import protobuf from 'protobufjs';
import { MAX_ANY_VALUE_DEPTH } from './wire-model.js';

/**
 * The AnyValue messages, one set per nesting depth: `AnyValue`, `ArrayValue`, `KeyValueList` and
 * `KeyValue` are depth 0 (as opentelemetry-proto names them), `AnyValue_1` … the values nested in
 * them, and so on to one past `maxDepth`, whose array and kvlist members are opaque bytes. The
 * wire format is the same; a reflection decode never recurses deeper than that. fedscope itself
 * decodes requests with its own reader (read-protobuf.ts); these types encode requests in tests
 * and decode them in the test that holds that reader to protobufjs's decoding.
 */
function boundedAnyValueMessages(maxDepth: number): string {
  const suffix = (depth: number) => (depth === 0 ? '' : `_${depth}`);
  const out: string[] = [];
  for (let depth = 0; depth <= maxDepth + 1; depth++) {
    const here = suffix(depth);
    const next = suffix(depth + 1);
    const last = depth === maxDepth + 1;
    out.push(`message AnyValue${here} {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ${last ? 'bytes' : `ArrayValue${next}`} array_value = 5;
    ${last ? 'bytes' : `KeyValueList${next}`} kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
`);
  }
  // ArrayValue/KeyValueList/KeyValue of depth d hold values of depth d; AnyValue of depth d points to depth d + 1's.
  for (let depth = 0; depth <= maxDepth + 1; depth++) {
    const here = suffix(depth);
    out.push(`message ArrayValue${here} {
  repeated AnyValue${here} values = 1;
}

message KeyValueList${here} {
  repeated KeyValue${here} values = 1;
}

message KeyValue${here} {
  string key = 1;
  AnyValue${here} value = 2;
}
`);
  }
  return out.join('\n');
}

// The opentelemetry-proto v1 messages an OTLP trace export carries (common, resource, trace,
// collector trace service) plus google.rpc.Status for OTLP/HTTP error bodies and google.rpc.RetryInfo
// for OTLP/gRPC throttling. Field numbers follow the published opentelemetry-proto (and googleapis)
// definitions; one text per proto package.
const COMMON_PROTO = `
syntax = "proto3";

package opentelemetry.proto.common.v1;

${boundedAnyValueMessages(MAX_ANY_VALUE_DEPTH)}
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}

message EntityRef {
  string schema_url = 1;
  string type = 2;
  repeated string id_keys = 3;
  repeated string description_keys = 4;
}
`;

const RESOURCE_PROTO = `
syntax = "proto3";

package opentelemetry.proto.resource.v1;

message Resource {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
  repeated opentelemetry.proto.common.v1.EntityRef entity_refs = 3;
}
`;

const TRACE_PROTO = `
syntax = "proto3";

package opentelemetry.proto.trace.v1;

message TracesData {
  repeated ResourceSpans resource_spans = 1;
}

message ResourceSpans {
  reserved 1000;
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}

message ScopeSpans {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}

message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;

  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }

  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;

  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }

  repeated Event events = 11;
  uint32 dropped_events_count = 12;

  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }

  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}

message Status {
  reserved 1;
  string message = 2;

  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }

  StatusCode code = 3;
}

enum SpanFlags {
  SPAN_FLAGS_DO_NOT_USE = 0;
  SPAN_FLAGS_TRACE_FLAGS_MASK = 0x000000FF;
  SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x00000100;
  SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x00000200;
}
`;

const TRACE_SERVICE_PROTO = `
syntax = "proto3";

package opentelemetry.proto.collector.trace.v1;

message ExportTraceServiceRequest {
  repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1;
}

message ExportTraceServiceResponse {
  ExportTracePartialSuccess partial_success = 1;
}

message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
`;

const GOOGLE_ANY_PROTO = `
syntax = "proto3";

package google.protobuf;

message Any {
  string type_url = 1;
  bytes value = 2;
}

message Duration {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

const GOOGLE_RPC_STATUS_PROTO = `
syntax = "proto3";

package google.rpc;

message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}

message RetryInfo {
  google.protobuf.Duration retry_delay = 1;
}
`;

/** The protobufjs message types fedscope reads and writes over OTLP/HTTP and OTLP/gRPC. */
export interface OtlpTraceTypes {
  /** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest` */
  readonly request: protobuf.Type;
  /** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse` */
  readonly response: protobuf.Type;
  /** `google.rpc.Status`, the body of OTLP/HTTP 4xx/5xx responses (and OTLP/gRPC's `grpc-status-details-bin`). */
  readonly rpcStatus: protobuf.Type;
  /** `google.rpc.RetryInfo`, the throttling detail of an OTLP/gRPC UNAVAILABLE answer. */
  readonly retryInfo: protobuf.Type;
}

let cached: OtlpTraceTypes | undefined;

/**
 * The OTLP trace message types, parsed from the inline schema on first use and cached after.
 */
export function otlpTraceTypes(): OtlpTraceTypes {
  if (cached) return cached;
  const root = new protobuf.Root();
  for (const source of [COMMON_PROTO, RESOURCE_PROTO, TRACE_PROTO, TRACE_SERVICE_PROTO, GOOGLE_ANY_PROTO, GOOGLE_RPC_STATUS_PROTO]) {
    protobuf.parse(source, root, { keepCase: false });
  }
  root.resolveAll();
  cached = {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    rpcStatus: root.lookupType('google.rpc.Status'),
    retryInfo: root.lookupType('google.rpc.RetryInfo'),
  };
  return cached;
}
