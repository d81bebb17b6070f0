/**
 * A stored tracking as the API shows it at a simulated instant: its lifecycle is computed from its creation
 * time, so there are no timers.
 */
import * as Carrier from "../Carrier.js"
import { formatDate, progress } from "./lifecycle.js"
import type { Json } from "./result.js"
import type { Stored } from "./store.js"

export const view = (tracking: Stored, now: number, stepMs: number): Json => {
  const p = progress(tracking.path, tracking.createdAt, now, stepMs, tracking.carrier)
  const manual = tracking.manual
  const status = manual !== undefined ? manual.status : p.status
  const substatus = manual !== undefined ? `${manual.status}001` : p.substatus
  const lastChange = Math.max(p.lastChangeAt ?? tracking.createdAt, manual?.at ?? 0)
  const updatedAt = Math.max(tracking.updatedAt, lastChange)
  const carrier = Carrier.lookup(tracking.carrier)
  const last = p.events[0]
  const fields = tracking.fields
  return {
    id: tracking.id,
    tracking_number: tracking.number,
    carrier_code: tracking.carrier,
    status,
    substatus,
    created_at: new Date(tracking.createdAt).toISOString(),
    updated_at: new Date(updatedAt).toISOString(),
    title: fields.title ?? "",
    order_id: fields.order_id ?? "",
    customer_name: fields.customer_name ?? "",
    customer_email: fields.customer_email ?? "",
    customer_phone: fields.customer_phone ?? "",
    logistics_channel: fields.logistics_channel ?? "",
    comment: fields.comment ?? "",
    archived: tracking.archived,
    original_country: carrier?.country_code ?? "",
    destination_country: fields.destination_code ?? "",
    lastEvent: last === undefined ? "" : `${last.StatusDescription}, ${last.Details}, ${last.Date}`,
    lastUpdateTime: formatDate(lastChange),
    origin_info: {
      weblink: carrier?.homepage ?? "",
      phone: carrier?.phone ?? "",
      carrier_code: tracking.carrier,
      trackinfo: p.events
    },
    destination_info: { weblink: "", phone: "", carrier_code: "", trackinfo: [] }
  }
}
