import { get, post } from './http'

export const listGuidance = (filter) => get('/api/guidance', filter)
export const createGuidance = (body) => post('/api/guidance', body)
export const getGuidance = (id) => get(`/api/guidance/${id}`)
export const submitFindingEvidence = (findingId, body) => post(`/api/guidance/findings/${findingId}/evidence`, body)
export const acceptFinding = (findingId) => post(`/api/guidance/findings/${findingId}/accept`)
export const sendBackFinding = (findingId, reason) => post(`/api/guidance/findings/${findingId}/send-back`, { reason })
