import { computed, reactive } from 'vue'
import { getMe, logout } from '../api/auth'
import { loadSession, onSessionChange, saveSession } from '../api/http'

// The signed-in person: their session (tokens kept in localStorage, renewed by the API wrapper) and their roles
// from /api/me. The roles only choose which pages the menu offers; what a person may see or do is the API's answer.
const state = reactive({ session: loadSession(), me: null })
onSessionChange((s) => {
  state.session = s
  if (!s) state.me = null
})

let loadingMe = null

export function useSession() {
  const roles = computed(() => state.me?.roles ?? [])
  const has = (...names) => roles.value.some((r) => names.includes(r.role))
  const schools = computed(() => {
    const seen = new Map()
    for (const r of roles.value) {
      if (r.role === 'Reporter' && r.schoolId && !seen.has(r.schoolId)) seen.set(r.schoolId, { id: r.schoolId, name: r.schoolName })
    }
    return [...seen.values()]
  })
  return {
    state,
    loggedIn: computed(() => !!state.session),
    roles,
    schools,
    isReporter: computed(() => has('Reporter')),
    isOfficial: computed(() => has('Handler', 'UnitHead', 'Liaison', 'CoLeader', 'EduAdmin')),
    isAdmin: computed(() => has('EduAdmin')),
    isLiaison: computed(() => has('Liaison')),
    async loadMe(force = false) {
      if (!state.session) return null
      if (state.me && !force) return state.me
      loadingMe ??= getMe().then((me) => (state.me = me)).finally(() => { loadingMe = null })
      return loadingMe
    },
    signIn(session) {
      saveSession(session)
      state.me = null
    },
    /** Ends the session on the server too (its refresh token no longer works), then here. */
    async signOut() {
      await logout().catch(() => {})
      saveSession(null)
    },
  }
}
