// Vant's function-style feedback (toast, dialog, image preview) with their styles; components come on demand.
import { showConfirmDialog, showDialog, showImagePreview, showToast, showSuccessToast, showFailToast } from 'vant'
import 'vant/es/toast/style/index.mjs'
import 'vant/es/dialog/style/index.mjs'
import 'vant/es/image-preview/style/index.mjs'

export { showConfirmDialog, showDialog, showImagePreview, showToast, showSuccessToast, showFailToast }
