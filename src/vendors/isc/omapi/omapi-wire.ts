/**
 * The wire format of ISC's OMAPI (the object management API of dhcpd, `omapip/protocol.c`), version 1.00.
 *
 * Hand-written because no OMAPI client exists on npm (the maintained one, pypureomapi, is Python; shelling out to
 * `omshell` would need it on the service's host and a key on its command line), and the protocol is small.
 * Everything is big-endian.
 *
 * - Each side opens with an introduction: protocol version (u32, 100) and header size (u32, 24).
 * - A message is a header — authid, authlen, opcode, handle, id, rid (u32 each; a peer may announce a larger
 *   header, whose extra bytes are skipped) — then the message's name/value list, then the object's, each list
 *   ended by a zero-length name, then `authlen` bytes of signature.
 * - A name is a u16 length and its bytes; a value is a u32 length and its bytes (integers are 4-byte values,
 *   strings their bytes without a terminator, objects their 4-byte handle).
 * - The signature covers every byte from `authlen` to the end of the object's list (the authid is outside it).
 */

export const OMAPI_PROTOCOL_VERSION = 100;
/** Six u32 fields. */
export const OMAPI_HEADER_SIZE = 24;

export const OmapiOp = {
  open: 1,
  refresh: 2,
  update: 3,
  notify: 4,
  status: 5,
  delete: 6,
} as const;
export type OmapiOp = (typeof OmapiOp)[keyof typeof OmapiOp];

/** Limits a reader enforces, so a broken or hostile peer cannot make us buffer without bound. */
export const OMAPI_LIMITS = {
  maxHeaderSize: 1024,
  maxAuthLength: 1024,
  maxValueLength: 1024 * 1024,
  maxMessageBytes: 4 * 1024 * 1024,
};

/** Name/value pairs in wire order. */
export type OmapiValues = Map<string, Buffer>;

export interface OmapiMessage {
  /** The server-side handle of the authenticator that signs the message; 0 when unsigned. */
  authId: number;
  op: number;
  /** The object the message is about, or 0. */
  handle: number;
  /** Transaction id (non-zero for requests). */
  id: number;
  /** Id of the request this message answers, or 0. */
  rid: number;
  message: OmapiValues;
  object: OmapiValues;
}

export interface OmapiIntro {
  version: number;
  headerSize: number;
}

export interface DecodedOmapiMessage extends OmapiMessage {
  /** The signature as received (`authlen` bytes; empty when unsigned). */
  signature: Buffer;
  /** The bytes the signature covers, for verification. */
  signedBytes: Buffer;
}

export type OmapiFrame = ({ kind: 'intro' } & OmapiIntro) | ({ kind: 'message' } & DecodedOmapiMessage);

/** Something that signs outgoing messages (see omapi-key.ts). */
export interface OmapiSigner {
  readonly signatureLength: number;
  sign(data: Buffer): Buffer;
}

/** The peer sent something that is not OMAPI as dhcpd speaks it. */
export class OmapiProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OmapiProtocolError';
  }
}

export function encodeIntro(version = OMAPI_PROTOCOL_VERSION, headerSize = OMAPI_HEADER_SIZE): Buffer {
  const intro = Buffer.alloc(8);
  intro.writeUInt32BE(version, 0);
  intro.writeUInt32BE(headerSize, 4);
  return intro;
}

/** A message with a 24-byte header; signed (authlen and signature) when a signer is given. */
export function encodeMessage(message: OmapiMessage, signer?: OmapiSigner): Buffer {
  const authLength = signer ? signer.signatureLength : 0;
  const header = Buffer.alloc(OMAPI_HEADER_SIZE);
  const fields = [message.authId, authLength, message.op, message.handle, message.id, message.rid];
  fields.forEach((value, index) => header.writeUInt32BE(checkUint32(value, 'header field'), index * 4));
  const body = Buffer.concat([header, encodeValues(message.message), encodeValues(message.object)]);
  if (!signer) return body;
  const signature = signer.sign(body.subarray(4));
  if (signature.length !== authLength) {
    throw new Error(`signer produced ${signature.length} bytes, announced ${authLength}`);
  }
  return Buffer.concat([body, signature]);
}

function encodeValues(values: OmapiValues): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of values) {
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length === 0 || nameBytes.length > 0xffff) {
      throw new Error(`OMAPI names are 1 to 65535 bytes, got ${nameBytes.length}`);
    }
    if (value.length > OMAPI_LIMITS.maxValueLength) {
      throw new Error(`OMAPI value ${name} is ${value.length} bytes, over the limit`);
    }
    const lengths = Buffer.alloc(2);
    lengths.writeUInt16BE(nameBytes.length, 0);
    const valueLength = Buffer.alloc(4);
    valueLength.writeUInt32BE(value.length, 0);
    parts.push(lengths, nameBytes, valueLength, value);
  }
  parts.push(Buffer.alloc(2));
  return Buffer.concat(parts);
}

function checkUint32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`${what} must be an unsigned 32-bit integer, got ${value}`);
  }
  return value;
}

/** An integer value (4 bytes, big-endian), as dhcpd writes and reads them. */
export function omapiUint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(checkUint32(value, 'an OMAPI integer'), 0);
  return bytes;
}

export function omapiString(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}

/** A 4-byte value as an unsigned integer; undefined for any other length. */
export function readUint32(value: Buffer | undefined): number | undefined {
  return value?.length === 4 ? value.readUInt32BE(0) : undefined;
}

/** Needs more bytes than have arrived. */
class Incomplete extends Error {}

/**
 * Incremental decoder of one direction of a connection: feed it bytes as they arrive (`push`), take frames out
 * (`next`). The first frame is the peer's introduction; its header size applies to every message after it.
 * Malformed input throws {@link OmapiProtocolError}; the connection is then unusable.
 */
export class OmapiReader {
  private buffer: Buffer = Buffer.alloc(0);
  private intro?: OmapiIntro;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** Bytes received and not yet returned in a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  next(): OmapiFrame | undefined {
    try {
      const cursor = new Cursor(this.buffer);
      const frame = this.intro ? this.message(cursor, this.intro.headerSize) : this.readIntro(cursor);
      this.buffer = this.buffer.subarray(cursor.offset);
      return frame;
    } catch (error) {
      if (!(error instanceof Incomplete)) throw error;
      if (this.buffer.length > OMAPI_LIMITS.maxMessageBytes) {
        throw new OmapiProtocolError(`message larger than ${OMAPI_LIMITS.maxMessageBytes} bytes`);
      }
      return undefined;
    }
  }

  private readIntro(cursor: Cursor): OmapiFrame {
    const version = cursor.uint32();
    const headerSize = cursor.uint32();
    if (version !== OMAPI_PROTOCOL_VERSION) {
      throw new OmapiProtocolError(`protocol version ${version}, expected ${OMAPI_PROTOCOL_VERSION}`);
    }
    if (headerSize < OMAPI_HEADER_SIZE || headerSize > OMAPI_LIMITS.maxHeaderSize) {
      throw new OmapiProtocolError(`header size ${headerSize} is out of range`);
    }
    this.intro = { version, headerSize };
    return { kind: 'intro', version, headerSize };
  }

  private message(cursor: Cursor, headerSize: number): OmapiFrame {
    const start = cursor.offset;
    const authId = cursor.uint32();
    const authLength = cursor.uint32();
    const op = cursor.uint32();
    const handle = cursor.uint32();
    const id = cursor.uint32();
    const rid = cursor.uint32();
    if (authLength > OMAPI_LIMITS.maxAuthLength) {
      throw new OmapiProtocolError(`authenticator length ${authLength} is out of range`);
    }
    cursor.bytes(headerSize - OMAPI_HEADER_SIZE);
    const message = readValues(cursor);
    const object = readValues(cursor);
    const signedBytes = cursor.slice(start + 4, cursor.offset);
    const signature = cursor.bytes(authLength);
    return {
      kind: 'message',
      authId,
      op,
      handle,
      id,
      rid,
      message,
      object,
      signature: Buffer.from(signature),
      signedBytes: Buffer.from(signedBytes),
    };
  }
}

function readValues(cursor: Cursor): OmapiValues {
  const values: OmapiValues = new Map();
  for (;;) {
    const nameLength = cursor.uint16();
    if (nameLength === 0) return values;
    const name = cursor.bytes(nameLength).toString('utf8');
    const valueLength = cursor.uint32();
    if (valueLength > OMAPI_LIMITS.maxValueLength) {
      throw new OmapiProtocolError(`value ${JSON.stringify(name)} announces ${valueLength} bytes`);
    }
    values.set(name, Buffer.from(cursor.bytes(valueLength)));
  }
}

class Cursor {
  offset = 0;
  constructor(private readonly buffer: Buffer) {}

  private need(count: number): void {
    if (this.offset + count > this.buffer.length) throw new Incomplete();
  }

  uint16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(count: number): Buffer {
    this.need(count);
    const value = this.buffer.subarray(this.offset, this.offset + count);
    this.offset += count;
    return value;
  }

  slice(from: number, to: number): Buffer {
    return this.buffer.subarray(from, to);
  }
}
