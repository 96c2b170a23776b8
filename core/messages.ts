import type { ErrorCode, ErrorParams } from './errors.js';
import type { Locale } from './types.js';

/**
 * The one message catalogue every adapter uses (bots, CLI, web). Placeholders are `{name}`.
 * Add keys to both languages; a test checks they have the same keys and placeholders.
 */
const en = {
  // error codes
  UNSUPPORTED_FORMAT: 'is not a PNG, JPEG, GIF or WebP image',
  EMPTY_FILE: 'is empty',
  FILE_TOO_LARGE: 'is larger than the {limit} limit',
  CORRUPT_IMAGE: 'is damaged or incomplete and cannot be opened',
  IMAGE_TOO_LARGE: 'has too many pixels ({pixels}; the limit is {limit})',
  TOO_MANY_FILES: 'That is {count} files; one gallery takes at most {limit}. Nothing was saved: send fewer at a time.',
  EMPTY_BATCH: 'No files were received.',
  NO_VALID_FILES: 'None of the files could be used, so no gallery was made.',
  GALLERY_NOT_FOUND: 'No gallery matches that link.',
  NOT_OWNER: 'Sorry, only the person who made this gallery can change it.',
  INVALID_REFERENCE: 'That does not look like a gallery link or code.',
  INVALID_OPTION: 'Invalid value for {option}: {reason}',
  STORAGE_UNAVAILABLE: 'Storage is unavailable right now. Nothing was saved; please try again in a moment.',
  DATABASE_UNAVAILABLE: 'The service is temporarily unavailable. Please try again in a moment.',
  DOWNLOAD_FAILED: 'could not be downloaded',
  PLATFORM_FILE_TOO_LARGE:
    'is larger than the {limit} this chat platform lets bots download. An operator can lift this by running a self-hosted API server.',
  INTERNAL: 'Something went wrong on our side. Please try again.',
  // replies
  'gallery.ready': 'Your gallery is ready: {url}',
  'gallery.count': '{count} image(s)',
  'gallery.rejected': 'Not included:',
  'gallery.rejectedLine': '{file} {reason}',
  'batch.received': 'Received {count} file(s)…',
  'batch.processing': 'Processing {done}/{total}…',
  'link.disabled': 'Link disabled. The images are kept; enable it again at any time.',
  'link.enabled': 'Link enabled again.',
  'link.deleted': 'Gallery deleted, with all its images.',
  'link.updated': 'Settings saved.',
  'link.state.active': 'active',
  'link.state.disabled': 'disabled',
  'link.state.expired': 'expired',
  'link.state.exhausted': 'open limit reached',
  'list.empty': 'You have no galleries yet. Send some photos to make one.',
  'list.line': '{title} · {count} image(s) · {status} · {opens} open(s) · {url}',
  'stats.summary': '{opens} open(s) by {unique} visitor(s); {previews} link preview(s); last open: {last}',
  'stats.never': 'never',
  untitled: 'Untitled gallery',
  'command.needsLink': 'Which gallery? Add its link or code after /{command}, or reply to the gallery message.',
  'delete.confirm': 'Delete “{title}” and its {count} image(s) for good? This cannot be undone.',
  'delete.cancelled': 'Kept. Nothing was deleted.',
  'password.privateOnly': 'For your safety, set passwords in a private chat with me, not in a group.',
  'button.stats': 'Stats',
  'button.disable': 'Disable',
  'button.enable': 'Enable',
  'button.delete': 'Delete',
  'button.deleteYes': 'Yes, delete',
  'button.deleteNo': 'Cancel',
  help:
    'Send me photos (one, an album, or several in a row) and I will answer with a gallery link and a QR code.\n' +
    'Commands:\n' +
    '/list: your galleries\n' +
    '/stats <link>: who opened it\n' +
    '/disable <link>, /enable <link>: turn a link off and on (images are kept)\n' +
    '/delete <link>: delete a gallery\n' +
    '/expire <link> <7d|2026-12-31|off>\n' +
    '/maxviews <link> <n|off>\n' +
    '/password <link> <password|off> (private chat only)\n' +
    '/download <link> <on|off>\n' +
    '/title <link> <text>\n' +
    'Instead of <link> you can reply to the gallery message.',
  FILE_UNREADABLE: 'could not be read',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  UNSUPPORTED_FORMAT: '不是 PNG、JPEG、GIF 或 WebP 图片',
  EMPTY_FILE: '是空文件',
  FILE_TOO_LARGE: '超过了 {limit} 的大小上限',
  CORRUPT_IMAGE: '已损坏或不完整，无法打开',
  IMAGE_TOO_LARGE: '像素过多（{pixels}，上限为 {limit}）',
  TOO_MANY_FILES: '共 {count} 个文件，一个相册最多 {limit} 个。未保存任何内容，请分批发送。',
  EMPTY_BATCH: '没有收到任何文件。',
  NO_VALID_FILES: '没有可用的文件，因此未创建相册。',
  GALLERY_NOT_FOUND: '找不到对应的相册。',
  NOT_OWNER: '抱歉，只有相册的创建者可以修改它。',
  INVALID_REFERENCE: '这看起来不像相册链接或编号。',
  INVALID_OPTION: '{option} 的值无效：{reason}',
  STORAGE_UNAVAILABLE: '存储暂时不可用，未保存任何内容，请稍后重试。',
  DATABASE_UNAVAILABLE: '服务暂时不可用，请稍后重试。',
  DOWNLOAD_FAILED: '下载失败',
  PLATFORM_FILE_TOO_LARGE: '超过了该聊天平台允许机器人下载的 {limit} 上限。管理员可以通过自建 API 服务器解除此限制。',
  INTERNAL: '我们这边出了点问题，请重试。',
  'gallery.ready': '相册已生成：{url}',
  'gallery.count': '{count} 张图片',
  'gallery.rejected': '未收录：',
  'gallery.rejectedLine': '{file} {reason}',
  'batch.received': '已收到 {count} 个文件…',
  'batch.processing': '正在处理 {done}/{total}…',
  'link.disabled': '链接已停用。图片仍会保留，可随时重新启用。',
  'link.enabled': '链接已重新启用。',
  'link.deleted': '相册及其所有图片已删除。',
  'link.updated': '设置已保存。',
  'link.state.active': '有效',
  'link.state.disabled': '已停用',
  'link.state.expired': '已过期',
  'link.state.exhausted': '已达到打开次数上限',
  'list.empty': '你还没有相册。发送照片即可创建。',
  'list.line': '{title} · {count} 张图片 · {status} · {opens} 次打开 · {url}',
  'stats.summary': '{unique} 位访客共打开 {opens} 次；链接预览 {previews} 次；最近打开：{last}',
  'stats.never': '从未',
  untitled: '未命名相册',
  'command.needsLink': '是哪个相册？请在 /{command} 后加上链接或编号，或直接回复相册消息。',
  'delete.confirm': '确定永久删除「{title}」及其 {count} 张图片吗？此操作无法撤销。',
  'delete.cancelled': '已保留，没有删除任何内容。',
  'password.privateOnly': '为了安全，请在与我的私聊中设置密码，不要在群组里设置。',
  'button.stats': '统计',
  'button.disable': '停用',
  'button.enable': '启用',
  'button.delete': '删除',
  'button.deleteYes': '确认删除',
  'button.deleteNo': '取消',
  help:
    '给我发送照片（单张、相册或连续多张），我会回复相册链接和二维码。\n' +
    '命令：\n' +
    '/list：你的相册\n' +
    '/stats <链接>：谁打开了它\n' +
    '/disable <链接>、/enable <链接>：停用或启用链接（图片保留）\n' +
    '/delete <链接>：删除相册\n' +
    '/expire <链接> <7d|2026-12-31|off>\n' +
    '/maxviews <链接> <次数|off>\n' +
    '/password <链接> <密码|off>（仅限私聊）\n' +
    '/download <链接> <on|off>\n' +
    '/title <链接> <标题>\n' +
    '也可以直接回复相册消息来代替 <链接>。',
  FILE_UNREADABLE: '无法读取',
};

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export function messageKeys(locale: Locale): MessageKey[] {
  return Object.keys(catalogues[locale]) as MessageKey[];
}

/** Render one message. Unknown placeholders are left visible so a missing parameter is noticed. */
export function t(locale: Locale, key: MessageKey, params: ErrorParams = {}): string {
  const template = catalogues[locale][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function errorMessage(locale: Locale, code: ErrorCode, params: ErrorParams = {}): string {
  return t(locale, code, params);
}

/** Platforms report languages as `zh`, `zh-hans`, `zh_CN`, `zh-TW`...: any Chinese gets Chinese. */
export function localeFrom(language: string | null | undefined): Locale {
  return language && /^zh/i.test(language.trim()) ? 'zh-CN' : 'en';
}

/** Human-readable byte size for messages ("50 MB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
