// China time (UTC+8) for every date the API returns in UTC.
const pad = (n) => String(n).padStart(2, '0')

export function chinaTime(iso) {
  if (!iso) return ''
  const d = new Date(new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`).getTime() + 8 * 3600 * 1000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** How far a due time is past (or away): "已超期 2 天 3 小时" / "剩余 5 小时". */
export function dueText(iso, now = Date.now()) {
  if (!iso) return ''
  const due = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`).getTime()
  const diff = Math.abs(due - now)
  const days = Math.floor(diff / 86400000)
  const hours = Math.floor((diff % 86400000) / 3600000)
  const span = days > 0 ? `${days} 天 ${hours} 小时` : hours > 0 ? `${hours} 小时` : `${Math.max(1, Math.floor(diff / 60000))} 分钟`
  return due < now ? `已超期 ${span}` : `剩余 ${span}`
}

export function todayChina() {
  const d = new Date(Date.now() + 8 * 3600 * 1000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

export function daysAgoChina(days) {
  const d = new Date(Date.now() + 8 * 3600 * 1000 - days * 86400000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}
