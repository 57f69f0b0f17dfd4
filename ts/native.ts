/**
 * The native binding, as the napi-rs loader (`index.js` at the package root) exports it.
 * Only the facade talks to it: it trusts the facade's checks for speed, and revalidates
 * everything it could turn into a pointer.
 * @internal
 * @module
 */

import binding = require('../index.js');

export = binding;
