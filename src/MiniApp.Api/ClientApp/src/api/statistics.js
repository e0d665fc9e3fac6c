import { get, request } from './http'

export const getStatistics = (period) => get('/api/statistics', period)
export const getGuidanceCoverage = (period) => get('/api/statistics/guidance-coverage', period)
export const exportClues = (format, period) => request('GET', '/api/statistics/export', { query: { format, ...period }, blob: true })
