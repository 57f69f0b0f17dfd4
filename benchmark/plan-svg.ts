/**
 * A picture of a memory plan, as in TensorFlow Lite's memory-planning figures: steps on the x
 * axis, byte offsets on the y axis (0 at the bottom), one rectangle per tensor spanning its
 * lifetime and its bytes, the lower bound drawn as a dashed line and the block size as a solid
 * one. Pure: lifetimes and offsets in, an SVG string out. Readable from tens of tensors to
 * thousands: outlines are drawn only where rectangles are large enough to carry them, and
 * neighbouring tensors get distant hues.
 * @module
 */

/** One tensor, as the planner takes it (steps inclusive). */
export interface PictureTensor {
  readonly size: number;
  readonly start: number;
  readonly end: number;
}

export interface PlanPicture {
  readonly title?: string;
  readonly lifetimes: readonly PictureTensor[];
  /** Each tensor's byte offset, in the order of `lifetimes`. */
  readonly offsets: readonly number[];
  /** The largest sum of sizes live at one step. */
  readonly lowerBound: number;
}

export interface PictureOptions {
  /** Pixels; 960 by default. */
  readonly width?: number;
  /** Pixels; 420 by default. */
  readonly height?: number;
}

const MARGIN = { left: 64, right: 16, top: 40, bottom: 36 };
const MIB = 1024 * 1024;

/** The SVG for `picture`. Throws a RangeError if there is not one offset per tensor. */
export function planSvg(picture: PlanPicture, options: PictureOptions = {}): string {
  const { lifetimes, offsets, lowerBound } = picture;
  if (offsets.length !== lifetimes.length) {
    throw new RangeError(`${offsets.length} offsets for ${lifetimes.length} tensors`);
  }
  const width = options.width ?? 960;
  const height = options.height ?? 420;
  const plot = {
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  let steps = 1;
  let bytes = 0;
  lifetimes.forEach((t, i) => {
    steps = Math.max(steps, t.end + 1);
    bytes = Math.max(bytes, (offsets[i] ?? 0) + t.size);
  });
  const top = Math.max(bytes, lowerBound, 1);
  const x = (step: number) => MARGIN.left + (step / steps) * plot.width;
  const y = (offset: number) => MARGIN.top + plot.height - (offset / top) * plot.height;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(picture.title ?? 'A memory plan')}: ${lifetimes.length} tensors over time and their byte offsets</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  if (picture.title !== undefined) {
    out.push(
      `<text x="${MARGIN.left}" y="16" font-size="13" font-weight="bold">${escapeXml(picture.title)}</text>`,
    );
  }
  const ratio = lowerBound > 0 ? ` (${(bytes / lowerBound).toFixed(3)}x the bound)` : '';
  out.push(
    `<text x="${MARGIN.left}" y="31" fill="#444">${lifetimes.length} tensors, block ${mib(bytes)} MiB${ratio}, lower bound ${mib(lowerBound)} MiB</text>`,
  );
  out.push(`<g stroke-width="0.5">`);
  lifetimes.forEach((t, i) => {
    const offset = offsets[i] ?? 0;
    if (t.size === 0) return;
    const left = x(t.start);
    const w = x(t.end + 1) - left;
    const upper = y(offset + t.size);
    const h = y(offset) - upper;
    // Golden-angle hues: tensors next to each other in the input get distant colours.
    const hue = Math.round((i * 137.508) % 360);
    const outline = w > 3 && h > 3 ? ` stroke="hsl(${hue},45%,35%)"` : '';
    out.push(
      `<rect x="${fixed(left)}" y="${fixed(upper)}" width="${fixed(w)}" height="${fixed(Math.max(h, 0.3))}" fill="hsl(${hue},60%,65%)"${outline}/>`,
    );
  });
  out.push('</g>');
  out.push(...axes(steps, top, x, y, plot.height));
  const bound = fixed(y(lowerBound));
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plot.width}" y1="${bound}" y2="${bound}" stroke="#c00" stroke-width="1.5" stroke-dasharray="6 3"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plot.width}" y1="${fixed(y(bytes))}" y2="${fixed(y(bytes))}" stroke="#000" stroke-width="1"/>`,
    `<text x="${MARGIN.left + plot.width - 4}" y="${fixed(y(lowerBound) + 12)}" text-anchor="end" fill="#c00">lower bound</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}

/** The frame, five step ticks and five offset ticks (MiB). */
function axes(
  steps: number,
  top: number,
  x: (step: number) => number,
  y: (offset: number) => number,
  plotHeight: number,
): string[] {
  const bottom = MARGIN.top + plotHeight;
  const right = x(steps);
  const lines = [
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${fixed(right - MARGIN.left)}" height="${plotHeight}" fill="none" stroke="#888"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const step = Math.round((k / 4) * steps);
    lines.push(
      `<text x="${fixed(x(step))}" y="${bottom + 14}" text-anchor="middle" fill="#444">${step}</text>`,
    );
    const offset = (k / 4) * top;
    lines.push(
      `<text x="${MARGIN.left - 6}" y="${fixed(y(offset) + 4)}" text-anchor="end" fill="#444">${mib(offset)}</text>`,
    );
  }
  lines.push(
    `<text x="${fixed((MARGIN.left + right) / 2)}" y="${bottom + 30}" text-anchor="middle" fill="#444">step</text>`,
    `<text x="14" y="${fixed(MARGIN.top + plotHeight / 2)}" text-anchor="middle" fill="#444" transform="rotate(-90 14 ${fixed(MARGIN.top + plotHeight / 2)})">offset (MiB)</text>`,
  );
  return lines;
}

const fixed = (v: number) => (Math.round(v * 10) / 10).toString();
const mib = (b: number) => (b / MIB).toFixed(b >= 100 * MIB ? 0 : 2);

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
