import { get, post } from './http'

export const listWorkList = () => get('/api/worklist')
export const listOverdueTasks = () => get('/api/worklist/overdue')
export const listTaskProgress = (taskId) => get(`/api/worklist/tasks/${taskId}/progress`)
export const reportTaskProgress = (taskId, body) => post(`/api/worklist/tasks/${taskId}/progress`, body)
