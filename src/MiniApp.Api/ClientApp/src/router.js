import { createRouter, createWebHistory } from 'vue-router'
import { useSession } from './composables/useSession'
// The report form is what school staff open the app for: it comes with the first load (no second round trip).
import ReportClue from './pages/ReportClue.vue'

// One page per route; every other page is loaded when first opened.
const routes = [
  { path: '/', name: 'home', component: () => import('./pages/HomeRedirect.vue') },
  { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { anonymous: true, title: '登录' } },
  { path: '/report', name: 'report', component: ReportClue, meta: { title: '上报线索' } },
  { path: '/todos', name: 'todos', component: () => import('./pages/MyTodos.vue'), meta: { title: '我的待办' } },
  { path: '/clues', name: 'clues', component: () => import('./pages/ClueList.vue'), meta: { title: '线索列表' } },
  { path: '/clues/:id(\\d+)', name: 'clue', component: () => import('./pages/ClueDetail.vue'), meta: { title: '线索详情' } },
  { path: '/guidance', name: 'guidance', component: () => import('./pages/GuidanceList.vue'), meta: { title: '服务指导' } },
  { path: '/guidance/new', name: 'guidance-new', component: () => import('./pages/RecordGuidance.vue'), meta: { title: '记录服务指导' } },
  { path: '/guidance/:id(\\d+)', name: 'guidance-detail', component: () => import('./pages/GuidanceDetail.vue'), meta: { title: '服务指导详情' } },
  { path: '/tasks', name: 'tasks', component: () => import('./pages/RectificationTasks.vue'), meta: { title: '整改任务' } },
  { path: '/worklist', name: 'worklist', component: () => import('./pages/WorkListProgress.vue'), meta: { title: '工作清单' } },
  { path: '/statistics', name: 'statistics', component: () => import('./pages/StatisticsDashboard.vue'), meta: { title: '会商研判' } },
  { path: '/admin', name: 'admin', component: () => import('./pages/AdminHome.vue'), meta: { title: '管理' } },
  { path: '/more', name: 'more', component: () => import('./pages/MorePages.vue'), meta: { title: '更多' } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFound.vue'), meta: { anonymous: true, title: '页面不存在' } },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach((to) => {
  const { loggedIn } = useSession()
  if (!to.meta.anonymous && !loggedIn.value) return { name: 'login', query: { redirect: to.fullPath } }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 校安一件事` : '校安一件事'
})
