// The transform, off the main thread: 100k-row exports keep the page
// responsive. Receives {id, bytes, options}; answers {id, json, report} or
// {id, error}.

import init, { transformBytes } from './pkg/stripe_torii_sync.js';

const ready = init();

self.onmessage = async ({ data: { id, bytes, options } }) => {
  await ready;
  try {
    const { json, report } = transformBytes(bytes, options);
    self.postMessage({ id, json, report });
  } catch (e) {
    self.postMessage({
      id,
      error: { code: e.code, message: e.message, headersFound: e.headersFound, report: e.report },
    });
  }
};
