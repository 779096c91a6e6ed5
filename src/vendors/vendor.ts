/** The DHCP server products this service manages. */
export const VENDORS = ['kea', 'isc', 'windows'] as const;
export type Vendor = (typeof VENDORS)[number];
