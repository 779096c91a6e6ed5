import fc from 'fast-check';
import { HMAC_MD5_ALGORITHM, OmapiHmacMd5Key } from './omapi-key.js';
import {
  encodeIntro,
  encodeMessage,
  OMAPI_HEADER_SIZE,
  OMAPI_LIMITS,
  OmapiOp,
  OmapiProtocolError,
  OmapiReader,
  omapiString,
  omapiUint32,
  readUint32,
  type OmapiFrame,
  type OmapiMessage,
} from './omapi-wire.js';

const SECRET = Buffer.alloc(16, 7).toString('base64');

function openFailoverState(name: string): OmapiMessage {
  return {
    authId: 0x1234,
    op: OmapiOp.open,
    handle: 0,
    id: 0x7fff0001,
    rid: 0,
    message: new Map([['type', omapiString('failover-state')]]),
    object: new Map([['name', omapiString(name)]]),
  };
}

/** A reader that has seen the peer's introduction. */
function introducedReader(headerSize = OMAPI_HEADER_SIZE): OmapiReader {
  const reader = new OmapiReader();
  reader.push(encodeIntro(100, headerSize));
  expect(reader.next()).toEqual({ kind: 'intro', version: 100, headerSize });
  return reader;
}

function frames(reader: OmapiReader): OmapiFrame[] {
  const out: OmapiFrame[] = [];
  for (let frame = reader.next(); frame; frame = reader.next()) out.push(frame);
  return out;
}

function withoutSignature(frame: OmapiFrame | undefined): unknown {
  if (frame?.kind !== 'message') return frame;
  const { signature: _signature, signedBytes: _signedBytes, kind: _kind, ...message } = frame;
  return message;
}

describe('OMAPI wire format', () => {
  it('writes the introduction as version 100 and a 24-byte header, big-endian', () => {
    expect(encodeIntro().toString('hex')).toBe('0000006400000018');
  });

  it('lays a message out as dhcpd does: header, message values, object values, zero-length names', () => {
    const bytes = encodeMessage({
      authId: 0,
      op: OmapiOp.open,
      handle: 0,
      id: 5,
      rid: 0,
      message: new Map([['type', omapiString('fo')]]),
      object: new Map(),
    });
    expect(bytes.toString('hex')).toBe(
      [
        '00000000', // authid
        '00000000', // authlen
        '00000001', // op = open
        '00000000', // handle
        '00000005', // id
        '00000000', // rid
        '0004',
        Buffer.from('type').toString('hex'),
        '00000002',
        Buffer.from('fo').toString('hex'),
        '0000', // end of message values
        '0000', // end of object values
      ].join(''),
    );
  });

  it('round-trips a message, whole or a byte at a time', () => {
    const message = openFailoverState('fo');
    const bytes = encodeMessage(message);
    const whole = introducedReader();
    whole.push(bytes);
    expect(frames(whole).map(withoutSignature)).toEqual([{ ...message }]);

    const trickled = introducedReader();
    const seen: OmapiFrame[] = [];
    for (const byte of bytes) {
      trickled.push(Buffer.from([byte]));
      seen.push(...frames(trickled));
    }
    expect(seen.map(withoutSignature)).toEqual([{ ...message }]);
    expect(trickled.pending).toBe(0);
  });

  it('round-trips any names and values, split anywhere, several messages in a row', () => {
    const values = fc
      .uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 40 })), {
        selector: ([name]) => name,
        maxLength: 6,
      })
      .map((pairs) => new Map(pairs.map(([name, value]) => [name, Buffer.from(value)])));
    const message = fc.record({
      authId: fc.nat(),
      op: fc.integer({ min: 1, max: 6 }),
      handle: fc.nat(),
      id: fc.integer({ min: 1, max: 0xffffffff }),
      rid: fc.nat(),
      message: values,
      object: values,
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 3 }), fc.nat(), (messages, cut) => {
        const bytes = Buffer.concat(messages.map((m) => encodeMessage(m)));
        const at = bytes.length === 0 ? 0 : cut % bytes.length;
        const reader = introducedReader();
        reader.push(bytes.subarray(0, at));
        const seen = frames(reader);
        reader.push(bytes.subarray(at));
        seen.push(...frames(reader));
        expect(seen.map(withoutSignature)).toEqual(messages);
      }),
    );
  });

  it('skips the extra header bytes of a peer that announces a larger header', () => {
    const bytes = encodeMessage(openFailoverState('fo'));
    const padded = Buffer.concat([bytes.subarray(0, 24), Buffer.alloc(8, 0xee), bytes.subarray(24)]);
    const reader = introducedReader(32);
    reader.push(padded);
    expect(frames(reader).map(withoutSignature)).toEqual([openFailoverState('fo')]);
  });

  it('signs from authlen to the end of the object values, and the signature verifies', () => {
    const key = new OmapiHmacMd5Key('omapi_key', SECRET);
    const message = openFailoverState('fo');
    const bytes = encodeMessage(message, key);
    expect(bytes.readUInt32BE(4)).toBe(16); // authlen
    const reader = introducedReader();
    reader.push(bytes);
    const [frame] = frames(reader);
    if (frame?.kind !== 'message') throw new Error('no message');
    expect(frame.signature).toHaveLength(16);
    expect(frame.signedBytes).toEqual(bytes.subarray(4, bytes.length - 16));
    expect(key.verify(frame.signedBytes, frame.signature)).toBe(true);
    expect(
      new OmapiHmacMd5Key('omapi_key', Buffer.alloc(16, 8).toString('base64')).verify(
        frame.signedBytes,
        frame.signature,
      ),
    ).toBe(false);

    // One changed byte anywhere in the signed part fails verification.
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 20] ^= 0x01;
    const again = introducedReader();
    again.push(tampered);
    const [changed] = frames(again);
    if (changed?.kind !== 'message') throw new Error('no message');
    expect(key.verify(changed.signedBytes, changed.signature)).toBe(false);
  });

  it('uses plain HMAC-MD5 (RFC 2202 test case 1) under the algorithm name dhcpd stores', () => {
    const key = new OmapiHmacMd5Key('k', Buffer.alloc(16, 0x0b).toString('base64'));
    expect(key.sign(Buffer.from('Hi There')).toString('hex')).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    expect(HMAC_MD5_ALGORITHM).toBe('hmac-md5.SIG-ALG.REG.INT.');
    expect(JSON.stringify(key)).not.toContain(Buffer.alloc(16, 0x0b).toString('base64'));
  });

  it('refuses a secret that is not base64 and a key without a name', () => {
    expect(() => new OmapiHmacMd5Key('k', 'not base64!')).toThrow(/not base64/);
    expect(() => new OmapiHmacMd5Key('k', '')).toThrow(/not base64/);
    expect(() => new OmapiHmacMd5Key('', SECRET)).toThrow(/name/);
  });

  it('reads integers only from 4-byte values', () => {
    expect(readUint32(omapiUint32(0xfffffffe))).toBe(0xfffffffe);
    expect(readUint32(Buffer.from([1, 2]))).toBeUndefined();
    expect(readUint32(undefined)).toBeUndefined();
    expect(() => omapiUint32(-1)).toThrow();
  });

  it('refuses to write an empty name', () => {
    expect(() =>
      encodeMessage({ ...openFailoverState('fo'), object: new Map([['', omapiString('x')]]) }),
    ).toThrow(/names are 1 to 65535 bytes/);
  });

  describe('rejects malformed input', () => {
    it('another protocol version', () => {
      const reader = new OmapiReader();
      reader.push(encodeIntro(101, 24));
      expect(() => reader.next()).toThrow(new OmapiProtocolError('protocol version 101, expected 100'));
    });

    it('a header size smaller than the header or absurdly large', () => {
      for (const size of [20, OMAPI_LIMITS.maxHeaderSize + 1]) {
        const reader = new OmapiReader();
        reader.push(encodeIntro(100, size));
        expect(() => reader.next()).toThrow(OmapiProtocolError);
      }
    });

    it('something that is not OMAPI at all (an HTTP answer)', () => {
      const reader = new OmapiReader();
      reader.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
      expect(() => reader.next()).toThrow(OmapiProtocolError);
    });

    it('a value announcing more bytes than the limit', () => {
      const bytes = encodeMessage(openFailoverState('fo'));
      // The object's first value length sits after the header, the message list and the name "name".
      const at = 24 + (2 + 4 + 4 + 'failover-state'.length) + 2 + (2 + 4);
      expect(bytes.readUInt32BE(at)).toBe(2);
      bytes.writeUInt32BE(OMAPI_LIMITS.maxValueLength + 1, at);
      const reader = introducedReader();
      reader.push(bytes);
      expect(() => reader.next()).toThrow(/announces/);
    });

    it('an authenticator length over the limit', () => {
      const bytes = encodeMessage(openFailoverState('fo'));
      bytes.writeUInt32BE(OMAPI_LIMITS.maxAuthLength + 1, 4);
      const reader = introducedReader();
      reader.push(bytes);
      expect(() => reader.next()).toThrow(/authenticator length/);
    });

    it('a message that never ends (more buffered than the limit)', () => {
      const reader = introducedReader();
      const header = encodeMessage(openFailoverState('fo')).subarray(0, 24);
      reader.push(header);
      const name = Buffer.alloc(2);
      name.writeUInt16BE(8, 0);
      const value = Buffer.alloc(4);
      value.writeUInt32BE(OMAPI_LIMITS.maxValueLength, 0);
      // Values of the largest allowed size, one after another, with no terminating name.
      let pushed = 0;
      expect(() => {
        while (pushed <= OMAPI_LIMITS.maxMessageBytes + OMAPI_LIMITS.maxValueLength) {
          reader.push(
            Buffer.concat([name, Buffer.from('abcdefgh'), value, Buffer.alloc(OMAPI_LIMITS.maxValueLength)]),
          );
          pushed += OMAPI_LIMITS.maxValueLength;
          reader.next();
        }
      }).toThrow(/larger than/);
    });

    it('a truncated message is simply incomplete', () => {
      const bytes = encodeMessage(openFailoverState('fo'));
      const reader = introducedReader();
      reader.push(bytes.subarray(0, bytes.length - 1));
      expect(reader.next()).toBeUndefined();
      reader.push(bytes.subarray(bytes.length - 1));
      expect(reader.next()?.kind).toBe('message');
    });
  });
});
