// Sizes, speeds and clocks converted by the `units` lshw wrote, never guessed.
//
// When `units` is missing: lshw's hwNode::asXML (src/core/hw.cc) picks the
// unit from the node's class and writes none for classes it has no case for.
// For network interfaces that happens on "capacity" always, on "size" in
// B.02.10-B.02.14, and on both when the NIC sits under class "bridge"
// (nForce MCP55 NICs); network.cc stores those values in bits/s. Memory and
// disk sizes always carry units="bytes", so they get no fallback: a unitless
// or differently-united value is dropped rather than guessed.

import type { Measure } from './lshw-node.js';

/** Bytes from a size/capacity in bytes; undefined for any other unit. */
export function bytesOf(measure: Measure | undefined): number | undefined {
  if (!measure || measure.value <= 0) return undefined;
  return measure.units === 'bytes' ? measure.value : undefined;
}

/** Mbit/s from a network size; a unitless value is bits/s as network.cc stores it (see above). */
export function linkMbpsOf(measure: Measure | undefined): number | undefined {
  if (!measure || measure.value <= 0) return undefined;
  return (measure.units ?? 'bit/s') === 'bit/s' ? Math.round(measure.value / 1e6) : undefined;
}

/** MHz from a frequency in Hz; lshw writes every clock and CPU frequency with units="Hz". */
export function mhzOf(measure: Measure | undefined): number | undefined {
  if (!measure || measure.value <= 0) return undefined;
  return measure.units === 'Hz' ? Math.round(measure.value / 1e6) : undefined;
}
