// TFTP packet formats (RFC 1350 §5) and the option extension (RFC 2347).
// Parsing never throws: whatever a booting machine sends is hostile until
// checked, so a bad packet becomes a `{ ok: false }` value the server answers.

export const OP_RRQ = 1;
export const OP_WRQ = 2;
export const OP_DATA = 3;
export const OP_ACK = 4;
export const OP_ERROR = 5;
export const OP_OACK = 6;

/** Error codes of RFC 1350 §5 and RFC 2347 (8). */
export const TFTP_ERROR = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTransferId: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

export type TftpErrorCode = (typeof TFTP_ERROR)[keyof typeof TFTP_ERROR];

export type TransferMode = 'octet' | 'netascii';

export interface ReadRequest {
  /** The file name exactly as sent (bytes read as latin1, one char per byte). */
  filename: string;
  mode: TransferMode;
  /** Option names lower-cased: RFC 2347 says they are case-insensitive. */
  options: Map<string, string>;
}

export type RequestParse = { ok: true; request: ReadRequest } | { ok: false; code: TftpErrorCode; message: string };

/** Longest option name or value kept; longer ones are a malformed request. */
const MAX_FIELD = 255;
/** More options than any client sends; the rest of the packet is ignored. */
const MAX_OPTIONS = 16;

/** Parses an RRQ body: filename NUL mode NUL [name NUL value NUL]… */
export function parseReadRequest(msg: Buffer): RequestParse {
  const fields: string[] = [];
  let start = 2;
  while (start < msg.length && fields.length < 2 + MAX_OPTIONS * 2) {
    const end = msg.indexOf(0, start);
    if (end < 0) return malformed('a request field is not NUL-terminated');
    if (fields.length >= 2 && end - start > MAX_FIELD) return malformed('an option is longer than 255 bytes');
    fields.push(msg.toString('latin1', start, end));
    start = end + 1;
  }
  const [filename, rawMode] = fields;
  if (filename === undefined || rawMode === undefined) return malformed('the request has no file name or mode');
  if (filename.length === 0) return malformed('the file name is empty');
  const modeName = rawMode.toLowerCase();
  if (modeName !== 'octet' && modeName !== 'netascii') {
    return { ok: false, code: TFTP_ERROR.illegalOperation, message: `transfer mode "${printable(rawMode)}" is not supported (use octet)` };
  }
  const options = new Map<string, string>();
  for (let i = 2; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toLowerCase();
    // RFC 2347: an option appears once; the first one wins if a client repeats it.
    if (name.length > 0 && !options.has(name)) options.set(name, fields[i + 1]!);
  }
  return { ok: true, request: { filename, mode: modeName, options } };
}

function malformed(message: string): RequestParse {
  return { ok: false, code: TFTP_ERROR.illegalOperation, message: `malformed request: ${message}` };
}

/** For log lines and error messages: never echo control bytes back. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 128 ? `${clean.slice(0, 128)}…` : clean;
}

export function errorPacket(code: TftpErrorCode, message: string): Buffer {
  const text = printable(message);
  const packet = Buffer.alloc(4 + Buffer.byteLength(text, 'latin1') + 1);
  packet.writeUInt16BE(OP_ERROR, 0);
  packet.writeUInt16BE(code, 2);
  packet.write(text, 4, 'latin1');
  return packet;
}

export function oackPacket(options: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, OP_OACK])];
  for (const [name, value] of options) parts.push(Buffer.from(`${name}\0${value}\0`, 'latin1'));
  return Buffer.concat(parts);
}

/** The block number of an ACK packet, or -1 when the packet is not an ACK. */
export function ackBlock(msg: Buffer): number {
  if (msg.length < 4 || msg[0] !== 0 || msg[1] !== OP_ACK) return -1;
  return (msg[2]! << 8) | msg[3]!;
}

export function isErrorPacket(msg: Buffer): boolean {
  return msg.length >= 4 && msg[0] === 0 && msg[1] === OP_ERROR;
}

/** The code and message of an ERROR packet a client sent, for the log. */
export function describeError(msg: Buffer): string {
  const end = msg.indexOf(0, 4);
  return `${msg.readUInt16BE(2)} ${printable(msg.toString('latin1', 4, end < 0 ? msg.length : end))}`;
}
