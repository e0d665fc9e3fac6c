import { get, request } from './http'

export const getLoginConfig = () => request('GET', '/api/auth/config', { anonymous: true })
export const loginWithDingTalk = (authCode) => request('POST', '/api/auth/dingtalk', { json: { authCode }, anonymous: true })
export const loginAsDemoPerson = (dingTalkUserId) => request('POST', '/api/auth/dev', { json: { dingTalkUserId }, anonymous: true })
export const listDemoPeople = () => request('GET', '/api/auth/dev/people', { anonymous: true })
export const getMe = () => get('/api/me')
export const logout = () => request('POST', '/api/auth/logout')
