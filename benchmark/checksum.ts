/**
 * A checksum of a benchmark's outputs, so that variants run in separate processes can be shown to
 * compute the same numbers, bit for bit.
 * @module
 */

/** FNV-1a over the bytes: enough to tell whether two outputs are identical. */
export function checksum(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
