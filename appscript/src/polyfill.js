/**
 * UTF-8 TextEncoder / TextDecoder for Apps Script, which has neither.
 *
 * Loaded first (see filePushOrder): the wasm-bindgen glue creates its codec
 * objects when it loads. Only what the glue uses is implemented: encode,
 * encodeInto and decode of UTF-8, with U+FFFD for malformed input, as the
 * WHATWG decoder does. Strings are built in chunks, because
 * String.fromCharCode on one huge array overflows the stack.
 */
(function (global) {
  if (typeof global.TextEncoder === 'undefined') {
    global.TextEncoder = function TextEncoder() {};
    global.TextEncoder.prototype.encoding = 'utf-8';

    /** Writes `str` as UTF-8 into `view`; stops before a character that does not fit. */
    global.TextEncoder.prototype.encodeInto = function (str, view) {
      var read = 0;
      var written = 0;
      var capacity = view.length;
      for (var i = 0; i < str.length; i++) {
        var code = str.charCodeAt(i);
        var units = 1;
        if (code >= 0xd800 && code <= 0xdbff && i + 1 < str.length) {
          var next = str.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
            units = 2;
          }
        }
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate
        var size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        if (written + size > capacity) break;
        if (size === 1) {
          view[written] = code;
        } else if (size === 2) {
          view[written] = 0xc0 | (code >> 6);
          view[written + 1] = 0x80 | (code & 0x3f);
        } else if (size === 3) {
          view[written] = 0xe0 | (code >> 12);
          view[written + 1] = 0x80 | ((code >> 6) & 0x3f);
          view[written + 2] = 0x80 | (code & 0x3f);
        } else {
          view[written] = 0xf0 | (code >> 18);
          view[written + 1] = 0x80 | ((code >> 12) & 0x3f);
          view[written + 2] = 0x80 | ((code >> 6) & 0x3f);
          view[written + 3] = 0x80 | (code & 0x3f);
        }
        written += size;
        read += units;
        i += units - 1;
      }
      return { read: read, written: written };
    };

    global.TextEncoder.prototype.encode = function (str) {
      var text = str === undefined ? '' : String(str);
      var buffer = new Uint8Array(text.length * 3);
      var result = this.encodeInto(text, buffer);
      return buffer.slice(0, result.written);
    };
  }

  if (typeof global.TextDecoder === 'undefined') {
    var CHUNK = 8192;

    global.TextDecoder = function TextDecoder(label, options) {
      var name = String(label === undefined ? 'utf-8' : label).toLowerCase();
      if (name !== 'utf-8' && name !== 'utf8') throw new RangeError('only utf-8 is supported');
      this.encoding = 'utf-8';
      this.ignoreBOM = Boolean(options && options.ignoreBOM);
    };

    global.TextDecoder.prototype.decode = function (input) {
      if (input === undefined) return '';
      var bytes = input instanceof Uint8Array ? input : new Uint8Array(input.buffer || input);
      var start = 0;
      if (!this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
      var parts = [];
      var units = [];
      for (var i = start; i < bytes.length;) {
        var b = bytes[i];
        var code;
        var need = 0;
        if (b < 0x80) {
          code = b;
        } else if (b >= 0xc2 && b <= 0xdf) {
          code = b & 0x1f; need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
          code = b & 0x0f; need = 2;
        } else if (b >= 0xf0 && b <= 0xf4) {
          code = b & 0x07; need = 3;
        } else {
          code = 0xfffd;
        }
        var lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
        var upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
        var j = 1;
        for (; j <= need; j++) {
          var c = bytes[i + j];
          if (c === undefined || c < lower || c > upper) break;
          code = (code << 6) | (c & 0x3f);
          lower = 0x80;
          upper = 0xbf;
        }
        if (j <= need) {
          code = 0xfffd; // a truncated or malformed sequence: consume what was read
          i += j;
        } else {
          i += need + 1;
        }
        if (code > 0xffff) {
          code -= 0x10000;
          units.push(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
        } else {
          units.push(code);
        }
        if (units.length >= CHUNK) {
          parts.push(String.fromCharCode.apply(null, units));
          units = [];
        }
      }
      parts.push(String.fromCharCode.apply(null, units));
      return parts.join('');
    };
  }
})(globalThis);
