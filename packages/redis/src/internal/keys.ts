/** Key layout. The `{…}` hash tag keeps the keys of one API key in one Redis Cluster slot. */

export const gate = (prefix: string, key: string): string => `${prefix}gate:{${key}}`
export const lease = (prefix: string, key: string): string => `${prefix}gate:{${key}}:lease`
export const halt = (prefix: string, key: string): string => `${prefix}gate:{${key}}:halt`
export const reset = (prefix: string, key: string): string => `${prefix}gate:{${key}}:reset`
export const budget = (prefix: string, key: string): string => `${prefix}budget:{${key}}`
export const rate = (prefix: string, key: string): string => `${prefix}rate:{${key}}`
