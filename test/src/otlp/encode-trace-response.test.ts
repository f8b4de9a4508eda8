import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { encodeErrorResponse, encodeTraceResponse, OtlpDecodeError, otlpTraceTypes } from '../../../src/otlp/index.js';

describe('encodeTraceResponse', () => {
  it('writes an empty ExportTraceServiceResponse on full success', () => {
    const protobuf = encodeTraceResponse({ rejectedSpans: 0, errorMessage: undefined }, 'protobuf');
    expect(protobuf).toMatchObject({ status: 200, contentType: 'application/x-protobuf' });
    expect(protobuf.body.length).toBe(0);
    expect(ProtobufTraceSerializer.deserializeResponse(protobuf.body)).toEqual({});
    const json = encodeTraceResponse({ rejectedSpans: 0 }, 'json');
    expect(json.contentType).toBe('application/json');
    expect(Buffer.from(json.body).toString()).toBe('{}');
  });

  it('writes partial_success that the JS exporters read back', () => {
    const outcome = { rejectedSpans: 2, errorMessage: '2 of 5 spans rejected: invalid traceId …' };
    const protobuf = encodeTraceResponse(outcome, 'protobuf');
    const decoded = ProtobufTraceSerializer.deserializeResponse(protobuf.body);
    expect(decoded.partialSuccess?.errorMessage).toBe(outcome.errorMessage);
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(2);
    const json = encodeTraceResponse(outcome, 'json');
    expect(JsonTraceSerializer.deserializeResponse(json.body)).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: outcome.errorMessage },
    });
  });

  it('sends a warning with zero rejected spans when only a message is given', () => {
    const json = encodeTraceResponse({ rejectedSpans: 0, errorMessage: 'deprecated field used' }, 'json');
    expect(JSON.parse(Buffer.from(json.body).toString())).toEqual({
      partialSuccess: { rejectedSpans: '0', errorMessage: 'deprecated field used' },
    });
  });
});

describe('encodeErrorResponse', () => {
  const error = new OtlpDecodeError(400, 'invalid OTLP/JSON at resourceSpans: expected an array, got "x"');

  it('writes a protobuf google.rpc.Status', () => {
    const response = encodeErrorResponse(error, 'protobuf');
    expect(response.status).toBe(400);
    expect(response.contentType).toBe('application/x-protobuf');
    const { rpcStatus } = otlpTraceTypes();
    expect(rpcStatus.toObject(rpcStatus.decode(response.body))).toEqual({ code: 3, message: error.message });
  });

  it('writes a JSON google.rpc.Status', () => {
    const response = encodeErrorResponse(new OtlpDecodeError(413, 'too big'), 'json');
    expect(response.status).toBe(413);
    expect(JSON.parse(Buffer.from(response.body).toString())).toEqual({ code: 8, message: 'too big' });
  });

  it('falls back to text/plain when the request format is unknown', () => {
    const response = encodeErrorResponse(new OtlpDecodeError(415, 'unsupported media type'), undefined);
    expect(response).toMatchObject({ status: 415, contentType: 'text/plain; charset=utf-8' });
    expect(Buffer.from(response.body).toString()).toBe('unsupported media type\n');
  });
});
