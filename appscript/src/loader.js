/**
 * @fileoverview Instantiates the wasm core once per execution.
 *
 * Apps Script loads every file on every run, so the module is compiled
 * lazily, on the first call that needs it: a menu item that only opens a
 * dialog pays nothing. The bytes come from the base64 constant the build
 * generates (`STRIPE_TORII_WASM_BASE64`), decoded here straight into a
 * `Uint8Array`: `Utilities.base64Decode` would hand out a plain array of
 * 350,000 signed bytes to copy again, which in the sandbox takes twice as
 * long. The module is compiled synchronously (`new WebAssembly.Module`),
 * since a menu function cannot await.
 */
var StripeToriiLoader_ = { core: null };

/** @return {Object} the initialised core: transform, parseOptions, optionCatalog, targetKey, sheetSafe, connectionProbe, … */
function toriiCore_() {
  if (!StripeToriiLoader_.core) {
    StripeToriiCore.initSync({ module: new WebAssembly.Module(base64Bytes_(STRIPE_TORII_WASM_BASE64)) });
    StripeToriiLoader_.core = StripeToriiCore;
  }
  return StripeToriiLoader_.core;
}

/** Bytes decoded per call of base64Piece_ (whole groups of three). */
var BASE64_PIECE = 3072;

/**
 * The bytes of base64 text as the build writes it: the standard alphabet,
 * padded with '=', no line breaks. Decoded piece by piece: V8 optimises a
 * short function called often sooner than one long loop.
 * @param {string} text
 * @return {Uint8Array}
 */
function base64Bytes_(text) {
  var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  var value = new Uint8Array(128);
  for (var k = 0; k < 64; k++) value[alphabet.charCodeAt(k)] = k;
  var length = text.length;
  var padding = length > 0 && text.charCodeAt(length - 1) === 61 ? (text.charCodeAt(length - 2) === 61 ? 2 : 1) : 0;
  var bytes = new Uint8Array((length / 4) * 3 - padding);
  var whole = bytes.length - (bytes.length % 3); // the bytes of complete groups
  for (var o = 0; o < whole; o += BASE64_PIECE) base64Piece_(text, value, bytes, o, Math.min(whole, o + BASE64_PIECE));
  if (whole < bytes.length) { // the last group: one or two bytes
    var i = (whole / 3) * 4;
    var last = (value[text.charCodeAt(i)] << 18) | (value[text.charCodeAt(i + 1)] << 12) | (value[text.charCodeAt(i + 2)] << 6);
    bytes[whole] = last >> 16;
    if (whole + 1 < bytes.length) bytes[whole + 1] = last >> 8;
  }
  return bytes;
}

/**
 * Decodes the complete groups of `text` that make bytes [from, to) into `bytes`.
 * @param {string} text
 * @param {Uint8Array} value each base64 letter's value, by its character code
 * @param {Uint8Array} bytes
 * @param {number} from a multiple of 3
 * @param {number} to a multiple of 3
 */
function base64Piece_(text, value, bytes, from, to) {
  for (var o = from, i = (from / 3) * 4; o < to; o += 3, i += 4) {
    var n = (value[text.charCodeAt(i)] << 18) | (value[text.charCodeAt(i + 1)] << 12) |
      (value[text.charCodeAt(i + 2)] << 6) | value[text.charCodeAt(i + 3)];
    bytes[o] = n >> 16;
    bytes[o + 1] = n >> 8;
    bytes[o + 2] = n;
  }
}
