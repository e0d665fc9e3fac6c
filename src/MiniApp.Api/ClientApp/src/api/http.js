// The one fetch wrapper: the session's bearer token, one renewal through /api/auth/refresh when it has expired,
// and every failure as an ApiError carrying the API's Chinese title and its stable code. Pages never call fetch.

const SESSION_KEY = 'schoolsafety.session'
const listeners = new Set()

export class ApiError extends Error {
  constructor(status, code, message, body = {}) {
    super(message)
    this.status = status
    this.code = code
    this.body = body
  }
}

export function loadSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || 'null')
  } catch {
    return null
  }
}

export function saveSession(session) {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session))
  else localStorage.removeItem(SESSION_KEY)
  for (const l of listeners) l(session)
}

/** Called with the new session (null when it ended and the person must log in again). */
export function onSessionChange(listener) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

let renewing = null

async function renew() {
  const session = loadSession()
  if (!session?.refreshToken) return false
  renewing ??= fetch('/api/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  })
    .then(async (r) => {
      if (!r.ok) return false
      saveSession(await r.json())
      return true
    })
    .catch(() => false)
    .finally(() => { renewing = null })
  return renewing
}

function withQuery(url, query) {
  if (!query) return url
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) params.set(k, String(v))
  }
  const s = params.toString()
  return s ? `${url}?${s}` : url
}

async function toError(response) {
  let body = {}
  try {
    body = await response.json()
  } catch {
    body = {}
  }
  const fallback = response.status >= 500 ? '服务器繁忙，请稍后重试' : `请求失败（${response.status}）`
  return new ApiError(response.status, body.code || `http.${response.status}`, body.title || fallback, body)
}

/**
 * One call to our API. `json` is sent as JSON, `form` (FormData) as multipart; `blob: true` answers the body as a Blob.
 * A 401 renews the session once and repeats the call; a failed renewal ends the session (the app asks to log in again).
 */
export async function request(method, url, { json, form, query, blob = false, anonymous = false } = {}) {
  const send = () => {
    const headers = { Accept: 'application/json' }
    const token = loadSession()?.accessToken
    if (token && !anonymous) headers.Authorization = `Bearer ${token}`
    let body
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(json)
    } else if (form) {
      body = form
    }
    return fetch(withQuery(url, query), { method, headers, body })
  }
  let response
  try {
    response = await send()
    if (response.status === 401 && !anonymous && loadSession()) {
      if (await renew()) response = await send()
      else saveSession(null)
    }
  } catch {
    throw new ApiError(0, 'network', '网络连接失败，请检查网络后重试')
  }
  if (!response.ok) throw await toError(response)
  if (blob) return { blob: await response.blob(), fileName: fileNameOf(response) }
  if (response.status === 204) return null
  const type = response.headers.get('Content-Type') || ''
  return type.includes('json') ? response.json() : response.text()
}

function fileNameOf(response) {
  const disposition = response.headers.get('Content-Disposition') || ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (star) return decodeURIComponent(star[1])
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1] : 'download'
}

export const get = (url, query) => request('GET', url, { query })
export const post = (url, json) => request('POST', url, { json: json ?? {} })
export const put = (url, json) => request('PUT', url, { json: json ?? {} })
export const patch = (url, json) => request('PATCH', url, { json: json ?? {} })
export const del = (url) => request('DELETE', url)
