/** A topology group's nodes are named `<group>-1` to `<group>-<count>`, in the order that fixes their ids. */
export function groupNodeNames(group: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${group}-${i + 1}`);
}
