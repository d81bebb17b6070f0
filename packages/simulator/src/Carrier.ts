/**
 * The simulator's carrier catalogue and its detection of a carrier from the shape of a tracking number.
 *
 * @since 0.1.0
 */

/**
 * One carrier of the catalogue, as `GET /v2/carriers` returns it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Carrier {
  readonly code: string
  readonly name: string
  readonly country_code: string
  readonly type: "express" | "postal"
  readonly homepage: string
  readonly phone: string
}

/**
 * The ten carriers the simulator knows.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const all: ReadonlyArray<Carrier> = [
  { code: "dhl", name: "DHL Express", country_code: "DE", type: "express", homepage: "https://www.dhl.com", phone: "+49 228 28609898" },
  { code: "ups", name: "UPS", country_code: "US", type: "express", homepage: "https://www.ups.com", phone: "+1 800 742 5877" },
  { code: "fedex", name: "FedEx", country_code: "US", type: "express", homepage: "https://www.fedex.com", phone: "+1 800 463 3339" },
  { code: "usps", name: "USPS", country_code: "US", type: "postal", homepage: "https://www.usps.com", phone: "+1 800 275 8777" },
  { code: "china-post", name: "China Post", country_code: "CN", type: "postal", homepage: "https://www.ems.com.cn", phone: "+86 11183" },
  { code: "china-ems", name: "China EMS", country_code: "CN", type: "postal", homepage: "https://www.ems.com.cn", phone: "+86 11183" },
  { code: "royal-mail", name: "Royal Mail", country_code: "GB", type: "postal", homepage: "https://www.royalmail.com", phone: "+44 3457 740 740" },
  { code: "dpd", name: "DPD", country_code: "DE", type: "express", homepage: "https://www.dpd.com", phone: "+49 6021 8430" },
  { code: "gls", name: "GLS", country_code: "NL", type: "express", homepage: "https://gls-group.com", phone: "+31 900 1115555" },
  { code: "yanwen", name: "Yanwen", country_code: "CN", type: "express", homepage: "https://www.yw56.com.cn", phone: "+86 400 108 5656" }
]

const byCode: ReadonlyMap<string, Carrier> = new Map(all.map((carrier) => [carrier.code, carrier]))

/**
 * The catalogue entry of a carrier code, or `undefined` (the API answers 4015 for it).
 *
 * @since 0.1.0
 * @category catalogue
 */
export const lookup = (code: string): Carrier | undefined => byCode.get(code)

/**
 * The detection rules, in order: a number's candidates are the carriers of every rule it matches.
 *
 * @since 0.1.0
 * @category detection
 */
export const rules: ReadonlyArray<{ readonly pattern: RegExp; readonly carrier: string }> = [
  { pattern: /^1Z[0-9A-Z]{16}$/i, carrier: "ups" },
  { pattern: /^(YW|UG)[0-9A-Z]{8,20}$/i, carrier: "yanwen" },
  { pattern: /^E[A-Z]\d{9}CN$/i, carrier: "china-ems" },
  { pattern: /^[A-Z]{2}\d{9}CN$/i, carrier: "china-post" },
  { pattern: /^[A-Z]{2}\d{9}GB$/i, carrier: "royal-mail" },
  { pattern: /^[A-Z]{2}\d{9}US$/i, carrier: "usps" },
  { pattern: /^9[2-5]\d{20}$/, carrier: "usps" },
  { pattern: /^\d{12}$/, carrier: "fedex" },
  { pattern: /^\d{15}$/, carrier: "fedex" },
  { pattern: /^\d{10,12}$/, carrier: "dhl" },
  { pattern: /^\d{11}$/, carrier: "gls" },
  { pattern: /^\d{14}$/, carrier: "dpd" }
]

/**
 * The candidate carriers of a tracking number; empty when no rule matches (the API answers 4032).
 *
 * @since 0.1.0
 * @category detection
 * @example
 * ```ts
 * import { Carrier } from "@trackingmore-effect/simulator"
 * Carrier.detect("1Z999AA10123456784").map((c) => c.code) // ["ups"]
 * ```
 */
export const detect = (trackingNumber: string): ReadonlyArray<Carrier> => {
  const out: Array<Carrier> = []
  for (const rule of rules) {
    if (rule.pattern.test(trackingNumber)) {
      const carrier = byCode.get(rule.carrier)
      if (carrier !== undefined && !out.includes(carrier)) out.push(carrier)
    }
  }
  return out
}

/**
 * The shape every tracking number must have (otherwise 4014).
 *
 * @since 0.1.0
 * @category validation
 */
export const trackingNumberPattern: RegExp = /^[A-Za-z0-9-]{5,50}$/
