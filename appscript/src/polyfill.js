/**
 * @fileoverview UTF-8 TextEncoder / TextDecoder for Apps Script, which has
 * neither.
 *
 * Loaded first (see filePushOrder): the wasm-bindgen glue creates its codec
 * objects, and calls `decode()` once, as soon as it loads. Only what the glue
 * uses is implemented: `encode`, `encodeInto` and `decode` of UTF-8, with
 * U+FFFD for malformed input as the WHATWG decoder does (the core only ever
 * hands out valid UTF-8, so `fatal` is never needed). Runs of ASCII, nearly
 * all of a Stripe export and of the Torii JSON, take a fast path; strings are
 * built in chunks because String.fromCharCode on one huge array overflows the
 * stack.
 */
(function (global) {
  var CHUNK = 8192;

  if (typeof global.TextEncoder === 'undefined') {
    global.TextEncoder = function TextEncoder() {};
    global.TextEncoder.prototype.encoding = 'utf-8';

    /**
     * Writes `str` as UTF-8 into `view`; stops before a character that does not fit.
     * @param {string} str
     * @param {Uint8Array} view
     * @return {{read: number, written: number}} UTF-16 units read, bytes written
     */
    global.TextEncoder.prototype.encodeInto = function (str, view) {
      var written = 0;
      var capacity = view.length;
      var length = str.length;
      var i = 0;
      while (i < length) {
        // A tight loop over a run of ASCII, bounded by the room left.
        var stop = Math.min(length, i + capacity - written);
        var code = 0;
        while (i < stop && (code = str.charCodeAt(i)) < 0x80) {
          view[written++] = code;
          i++;
        }
        if (i === stop) break;
        var units = 1;
        if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
          var next = str.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
            units = 2;
          }
        }
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate
        var size = code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        if (written + size > capacity) break;
        if (size === 2) {
          view[written] = 0xc0 | (code >> 6);
        } else if (size === 3) {
          view[written] = 0xe0 | (code >> 12);
          view[written + 1] = 0x80 | ((code >> 6) & 0x3f);
        } else {
          view[written] = 0xf0 | (code >> 18);
          view[written + 1] = 0x80 | ((code >> 12) & 0x3f);
          view[written + 2] = 0x80 | ((code >> 6) & 0x3f);
        }
        view[written + size - 1] = 0x80 | (code & 0x3f);
        written += size;
        i += units;
      }
      return { read: i, written: written };
    };

    /**
     * @param {string=} str
     * @return {Uint8Array} its UTF-8 bytes
     */
    global.TextEncoder.prototype.encode = function (str) {
      var text = str === undefined ? '' : String(str);
      var buffer = new Uint8Array(text.length * 3);
      return buffer.slice(0, this.encodeInto(text, buffer).written);
    };
  }

  if (typeof global.TextDecoder === 'undefined') {
    /**
     * @param {string=} label only 'utf-8'
     * @param {{ignoreBOM: boolean}=} options
     */
    global.TextDecoder = function TextDecoder(label, options) {
      var name = String(label === undefined ? 'utf-8' : label).toLowerCase();
      if (name !== 'utf-8' && name !== 'utf8') throw new RangeError('only utf-8 is supported');
      this.encoding = 'utf-8';
      this.ignoreBOM = Boolean(options && options.ignoreBOM);
    };

    /**
     * @param {(Uint8Array|ArrayBuffer)=} input
     * @return {string} the text, each malformed sequence as one U+FFFD
     */
    global.TextDecoder.prototype.decode = function (input) {
      if (input === undefined) return '';
      var bytes = input instanceof Uint8Array ? input : new Uint8Array(input.buffer || input);
      var length = bytes.length;
      var i = !this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      // UTF-16 units collect in a plain array (String.fromCharCode.apply
      // reads one three times faster than a typed array), turned into text
      // every CHUNK units (+1: a surrogate pair).
      var units = [];
      for (var k = Math.min(CHUNK, length) + 1; k > 0; k--) units.push(0);
      var n = 0;
      var text = '';
      while (i < length) {
        // A tight loop over a run of ASCII, up to the end of the chunk.
        var stop = Math.min(length, i + CHUNK - n);
        var b = 0;
        while (i < stop && (b = bytes[i]) < 0x80) {
          units[n++] = b;
          i++;
        }
        if (i < stop) {
          i++;
          var need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
          var code = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
          // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
          var lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
          var upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
          var valid = need > 0;
          for (var j = 0; j < need; j++) {
            var c = bytes[i];
            if (!(c >= lower && c <= upper)) {
              valid = false; // a truncated or malformed sequence: one U+FFFD for what was read
              break;
            }
            code = (code << 6) | (c & 0x3f);
            lower = 0x80;
            upper = 0xbf;
            i++;
          }
          if (!valid) {
            units[n++] = 0xfffd;
          } else if (code > 0xffff) {
            code -= 0x10000;
            units[n++] = 0xd800 + (code >> 10);
            units[n++] = 0xdc00 + (code & 0x3ff);
          } else {
            units[n++] = code;
          }
        }
        if (n >= CHUNK) {
          text += String.fromCharCode.apply(null, n === units.length ? units : units.slice(0, n));
          n = 0;
        }
      }
      return text + String.fromCharCode.apply(null, units.slice(0, n));
    };
  }
})(globalThis);
