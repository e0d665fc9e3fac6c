import { get, post, request } from './http'

/** Multipart: itemNo, description, idempotencyKey, location, latitude, longitude, schoolId, photos (File[]). */
export function reportClue({ itemNo, description, idempotencyKey, location, latitude, longitude, schoolId, photos }) {
  const form = new FormData()
  form.set('itemNo', String(itemNo))
  form.set('description', description)
  form.set('idempotencyKey', idempotencyKey)
  if (location) form.set('location', location)
  if (latitude != null) form.set('latitude', String(latitude))
  if (longitude != null) form.set('longitude', String(longitude))
  if (schoolId) form.set('schoolId', String(schoolId))
  for (const p of photos || []) form.append('photos', p, p.name)
  return request('POST', '/api/clues', { form })
}

export const listClues = (filter) => get('/api/clues', filter)
export const getClue = (id) => get(`/api/clues/${id}`)
export const applyClueAction = (id, body) => post(`/api/clues/${id}/actions`, body)
export const listReassignTargets = (id) => get(`/api/clues/${id}/reassign-targets`)
