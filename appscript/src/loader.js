/**
 * @fileoverview Instantiates the wasm core once per execution.
 *
 * Apps Script loads every file on every run, so the module is compiled
 * lazily, on the first call that needs it: a menu item that only opens a
 * dialog pays nothing. The bytes come from the base64 constant the build
 * generates (`STRIPE_TORII_WASM_BASE64`); `Utilities.base64Decode` returns
 * signed bytes, which `Uint8Array` wraps to the right values. The module is
 * compiled synchronously (`new WebAssembly.Module`), since a menu function
 * cannot await.
 */
var StripeToriiLoader_ = { core: null };

/** @return {Object} the initialised core: transform, parseOptions, optionCatalog, targetKey, sheetSafe, connectionProbe, … */
function toriiCore_() {
  if (!StripeToriiLoader_.core) {
    var bytes = new Uint8Array(Utilities.base64Decode(STRIPE_TORII_WASM_BASE64));
    StripeToriiCore.initSync({ module: new WebAssembly.Module(bytes) });
    StripeToriiLoader_.core = StripeToriiCore;
  }
  return StripeToriiLoader_.core;
}
