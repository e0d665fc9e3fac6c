// The DingTalk bridge: the only module that touches `dd`. It tells whether the page runs inside DingTalk and
// asks DingTalk for a free-login code. `dingtalk-jsapi` is loaded only when a code is needed (it is not part of
// any page's first load); a `dd` the container already provides (window.dd) is used as it is.

const TIMEOUT_MS = 10000

export function inDingTalk() {
  return /DingTalk/i.test(navigator.userAgent) || typeof window.dd === 'object'
}

async function bridge() {
  if (typeof window.dd === 'object' && typeof window.dd.requestAuthCode === 'function') return window.dd
  const [{ default: requestAuthCode }, { default: legacyRequestAuthCode }] = await Promise.all([
    import('dingtalk-jsapi/api/union/requestAuthCode'),
    import('dingtalk-jsapi/api/runtime/permission/requestAuthCode'),
  ])
  return { requestAuthCode, runtime: { permission: { requestAuthCode: legacyRequestAuthCode } } }
}

function withTimeout(promise) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error('钉钉没有响应免登请求')), TIMEOUT_MS)),
  ])
}

/**
 * A free-login code (valid 5 minutes, usable once): `dd.requestAuthCode({corpId, clientId})`, and for DingTalk
 * clients older than 7.0.45 the legacy `dd.runtime.permission.requestAuthCode({corpId})`.
 */
export async function requestAuthCode({ corpId, clientId }) {
  const dd = await bridge()
  try {
    const r = await withTimeout(dd.requestAuthCode({ corpId, clientId }))
    if (r?.code) return r.code
  } catch (e) {
    if (!dd.runtime?.permission?.requestAuthCode) throw e
  }
  const legacy = await withTimeout(dd.runtime.permission.requestAuthCode({ corpId }))
  if (!legacy?.code) throw new Error('钉钉没有返回免登授权码')
  return legacy.code
}
