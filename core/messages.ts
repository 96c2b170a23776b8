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
  TOO_MANY_FRAMES: 'is an animation of {frames} frames; the limit is {limit}',
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
  'telegram.cloudLimit':
    'is larger than the 20 MB Telegram lets bots download. Send it smaller, or ask the operator to run a self-hosted Telegram Bot API server (TELEGRAM_API_ROOT) with TELEGRAM_LOCAL_MODE=true, which raises the limit to {limit}.',
  'telegram.command.start': 'Start: how to make a gallery',
  'telegram.command.help': 'Help and all commands',
  'telegram.command.list': 'Your galleries, their state and opens',
  'telegram.command.stats': '<link>: who opened a gallery',
  'telegram.command.disable': '<link>: turn a link off (images kept)',
  'telegram.command.enable': '<link>: turn a link on again',
  'telegram.command.delete': '<link>: delete a gallery (asks first)',
  'telegram.command.expire': '<link> <7d|date|off>: set an expiry',
  'telegram.command.maxviews': '<link> <n|off>: limit the number of opens',
  'telegram.command.password': '<link> <password|off>: private chat only',
  'telegram.command.download': '<link> <on|off>: allow downloads',
  'telegram.command.title': '<link> <text>: rename a gallery',
  'telegram.command.alerts': '<link> <on|off>: a message when it is first opened',
  'telegram.command.dashboard': 'A private link to your dashboard',
  'telegram.sentPrivately': 'I sent it to you in a private message.',
  'telegram.privateFailed':
    'I cannot send you a private message yet: open a chat with @{bot}, press Start, then ask again.',
  'alerts.on': 'I will tell you when “{title}” is opened for the first time.',
  'alerts.off': 'You will not be told when “{title}” is opened for the first time.',
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
    '/alerts <link> <on|off>: a message when it is first opened\n' +
    '/dashboard: a private link to your dashboard (charts, visit log)\n' +
    'Instead of <link> you can reply to the gallery message.',
  FILE_UNREADABLE: 'could not be read',
  // Slack (bots/slack): Slack-only replies
  'slack.help':
    'Send me images in a direct message, or share them in a channel and mention me, and I will answer in the thread with a gallery link and a QR code. ' +
    'Files you share within a few seconds become one gallery.\n' +
    'Commands (only you see the answers):\n' +
    '{command} list: your galleries\n' +
    '{command} stats <link>: who opened it\n' +
    '{command} disable <link>, {command} enable <link>: turn a link off and on (images are kept)\n' +
    '{command} delete <link>: delete a gallery\n' +
    '{command} expire <link> <7d|2026-12-31|off>\n' +
    '{command} maxviews <link> <n|off>\n' +
    '{command} password <link> <password|off>\n' +
    '{command} download <link> <on|off>\n' +
    '{command} title <link> <text>\n' +
    '{command} alerts <link> <on|off>: a message when it is first opened\n' +
    '/dashboard: a private link to your dashboard (charts, visit log)',
  'slack.loginPage':
    'Slack sent its sign-in page instead of {files}. The app needs the files:read scope: an admin can add it in the app settings (see bots/slack/manifest.yml) and reinstall the app.',
  'slack.qrTitle': 'QR code of your gallery',
  'slack.deleteConfirmTitle': 'Delete this gallery?',
  'slack.deleteConfirmText': 'The gallery and all its images are deleted for good. This cannot be undone.',
  'slack.restarting': 'I am restarting right now; please share your images again in a minute.',
  'slack.chartTitle': 'Opens of your gallery',
  'slack.chartInDirectMessage': 'The chart is in our direct messages, so only you see it.',
  // gallery web site (gallery-web/)
  'web.home.title': 'maiimg: photo galleries from your chats',
  'web.home.body':
    'Send photos to the maiimg bot in Telegram, Discord or Slack and get back a link to a gallery you can share. You see who opened it, and you can turn the link off at any time.',
  'web.gallery.download': 'Download',
  'web.gallery.photoCount': '{count|one:# photo|other:# photos}',
  'web.gallery.downloadAll': 'Download all, {size}',
  'web.gallery.downloadOne': 'Download, {size}',
  'web.gallery.imageAlt': '{name}, photo {position} of {count}',
  'web.gallery.loading': 'Loading…',
  'web.lightbox.close': 'Close',
  'web.lightbox.previous': 'Previous image',
  'web.lightbox.next': 'Next image',
  'web.password.title': 'This gallery is protected by a password',
  'web.password.label': 'Password',
  'web.password.submit': 'Open gallery',
  'web.password.show': 'Show',
  'web.password.hide': 'Hide',
  'web.password.wrong': 'Wrong password. Please try again.',
  'web.password.tooMany': 'Too many attempts. Please wait a few minutes and try again.',
  'web.state.disabled': 'This link has been disabled',
  'web.state.disabledBody': 'The owner of this gallery has turned the link off.',
  'web.state.expired': 'This link has expired',
  'web.state.expiredBody': 'The owner set this gallery to stop being available after a certain date.',
  'web.state.exhausted': 'This link has reached its maximum number of opens',
  'web.state.exhaustedBody': 'The owner allowed this gallery to be opened a limited number of times.',
  'web.notFound.title': 'Gallery not found',
  'web.notFound.body': 'There is no gallery at this address. Check the link you were sent.',
  'web.pageNotFound.title': 'Page not found',
  'web.pageNotFound.body': 'There is nothing at this address.',
  'web.about': 'maiimg turns photos sent from a chat or this website into a private gallery link.',
  'web.makeYourOwn': 'Make your own gallery',
  'web.error.title': 'Something went wrong',
  'web.error.body': 'Please try again in a moment.',
  'web.tooMany.title': 'Too many requests',
  'web.tooMany.body':
    'Too many addresses that lead nowhere were tried from your network. Please wait a few minutes and try again.',
  // Discord (bots/discord): slash command descriptions and Discord-only replies
  'discord.command': 'Make photo galleries and manage their links',
  'discord.upload': 'Make a gallery from the images you attach',
  'discord.list': 'List your galleries',
  'discord.stats': 'See who opened a gallery',
  'discord.disable': 'Turn a link off (the images are kept)',
  'discord.enable': 'Turn a link on again',
  'discord.delete': 'Delete a gallery and its images',
  'discord.expire': 'Set when a link expires',
  'discord.maxviews': 'Limit how many times a link can be opened',
  'discord.password': 'Set or remove the password of a gallery',
  'discord.download': 'Allow or forbid downloading the original images',
  'discord.title': 'Change the title of a gallery',
  'discord.alerts': 'Be told, or not, when a gallery is first opened',
  'discord.dashboard': 'Get a private link to your dashboard',
  'discord.option.enabled': 'Send a message when it is first opened?',
  'discord.option.image': 'An image for the gallery',
  'discord.option.title': 'Title of the gallery',
  'discord.option.expires': 'When the link expires: 7d, 12h, 2026-12-31 or off',
  'discord.option.maxViews': 'How many times the link can be opened',
  'discord.option.password': 'Password visitors must enter',
  'discord.option.download': 'Let visitors download the original images',
  'discord.option.link': 'Gallery link or code',
  'discord.option.when': '7d, 12h, 2026-12-31 or off',
  'discord.option.count': 'A number, or off',
  'discord.option.newPassword': 'The password, or off to remove it',
  'discord.option.allowed': 'Allow downloads?',
  'discord.option.text': 'The new title (leave it out to remove the title)',
  'discord.stopping': 'I am restarting right now; please send your images again in a minute.',
  'discord.help':
    'Send me images in a direct message, or mention me in a channel with images attached, and I will answer with a gallery link and a QR code. ' +
    'Several messages in a row become one gallery.\n' +
    'Or use /gallery upload with attachments. Manage your galleries with /gallery list, stats, disable, enable, delete, expire, maxviews, password, download, title and alerts; /dashboard gives you a private link to your dashboard.',
  // visit analytics and the owner dashboard (core/analytics, gallery-web/dashboard)
  'analytics.unknown': 'unknown',
  'analytics.device.desktop': 'Desktop',
  'analytics.device.mobile': 'Mobile',
  'analytics.device.tablet': 'Tablet',
  'analytics.device.smarttv': 'Smart TV',
  'analytics.device.console': 'Game console',
  'analytics.device.wearable': 'Wearable',
  'analytics.device.embedded': 'Embedded',
  'analytics.device.xr': 'XR headset',
  'analytics.chart.trend': 'Opens per day (last 30 days)',
  'analytics.chart.trendDescription': '{opens} open(s) in the last {days} days',
  'analytics.chart.hours': 'Opens by hour of day ({zone})',
  'analytics.chart.peak': 'Busiest hour: {hour} ({opens} open(s))',
  'analytics.chart.empty': 'No opens yet',
  'analytics.chart.countries': 'Top countries',
  'analytics.chart.devices': 'Device types',
  'analytics.chart.summary': '{opens} open(s) · {unique} visitor(s) · {previews} link preview(s) · {bots} bot(s)',
  'analytics.summary.peak': 'Peak hour: {hour} ({zone})',
  'analytics.summary.countries': 'Top countries: {list}',
  'analytics.summary.devices': 'Devices: {list}',
  'analytics.summary.topImage': 'Most viewed: #{position} {name} ({views} view(s))',
  'analytics.alert.firstOpen':
    '“{title}” was just opened for the first time.\nWhen: {time}\nWhere: {place}\nDevice: {device}',
  'analytics.alert.uniqueVisitors':
    '“{title}” was opened by {count} different visitors in the last hour (more than {limit}). If the link has spread further than you meant, disable it.',
  'analytics.alert.countries':
    '“{title}” was opened from {count} countries in the last day ({countries}; more than {limit}). If the link has spread further than you meant, disable it.',
  'dashboard.button': 'Dashboard',
  'dashboard.link':
    'Your dashboard: {url}\nThis link logs you in and works for {minutes} minutes. Do not share it: whoever has it can manage your galleries.',
  'dashboard.title': 'Dashboard',
  'dashboard.logout': 'Log out',
  'dashboard.galleries': 'Your galleries',
  'dashboard.col.preview': 'Preview',
  'dashboard.col.gallery': 'Gallery',
  'dashboard.col.state': 'State',
  'dashboard.col.opens': 'Opens',
  'dashboard.col.lastOpen': 'Last open',
  'dashboard.col.time': 'Time',
  'dashboard.col.place': 'Place',
  'dashboard.col.browser': 'Browser / system',
  'dashboard.col.referrer': 'Came from',
  'dashboard.col.language': 'Language',
  'dashboard.col.photos': 'Photos viewed',
  'dashboard.col.ip': 'IP address',
  'dashboard.total.opens': 'Opens',
  'dashboard.total.unique': 'Unique visitors',
  'dashboard.total.previews': 'Link previews',
  'dashboard.total.bots': 'Bots',
  'dashboard.total.probes': 'Prefetches and checks',
  'dashboard.total.lastOpen': 'Last open',
  'dashboard.charts': 'Charts',
  'dashboard.browsers': 'Browsers',
  'dashboard.systems': 'Operating systems',
  'dashboard.referrers': 'Referrers',
  'dashboard.direct': 'Direct or chat app',
  'dashboard.cities': 'Top cities',
  'dashboard.images': 'Most viewed photos',
  'dashboard.controls': 'Link settings',
  'dashboard.expiry': 'Expires on',
  'dashboard.save': 'Save',
  'dashboard.remove': 'Remove',
  'dashboard.passwordEmpty': 'Type a new password, or use Remove to take the password off.',
  'dashboard.titleField': 'Title',
  'dashboard.galleryLink': 'Gallery link',
  'dashboard.openLink': 'Open',
  'dashboard.maxOpens': 'Maximum opens',
  'dashboard.unlimited': 'unlimited',
  'dashboard.passwordSet': 'Set a password',
  'dashboard.passwordChange': 'Change the password',
  'dashboard.downloads': 'Downloads',
  'dashboard.alerts': 'Tell me when it is first opened',
  'dashboard.on': 'On',
  'dashboard.off': 'Off',
  'dashboard.confirmDelete': 'Tick the box to confirm the deletion.',
  'dashboard.visits': 'Visit log',
  'dashboard.from': 'From',
  'dashboard.to': 'To',
  'dashboard.country': 'Country',
  'dashboard.device': 'Device',
  'dashboard.kind': 'Kind',
  'dashboard.kind.all': 'All',
  'dashboard.kind.human': 'Open',
  'dashboard.kind.preview': 'Link preview',
  'dashboard.kind.bot': 'Bot',
  'dashboard.filter': 'Filter',
  'dashboard.csv': 'Export CSV',
  'dashboard.logCount': '{count|one:# visit|other:# visits}.',
  'dashboard.timesIn': 'Times in {zone}.',
  'dashboard.chartZone': 'Charts count days and hours in {zone}.',
  'dashboard.chartsFiltered': 'Charts show the filtered visits.',
  'dashboard.previewApps': 'Link previews by app',
  'dashboard.empty':
    'No galleries yet. Upload photos on the front page of this site, or send them to the maiimg bot in Telegram, Discord or Slack; each gallery you make shows up here with who opened it.',
  'dashboard.emptyUpload': 'Upload photos',
  'dashboard.newer': 'Newer',
  'dashboard.older': 'Older',
  'dashboard.pageOf': 'Page {page} of {pages}',
  'dashboard.linkInvalid.title': 'This dashboard link is no longer valid',
  'dashboard.linkInvalid.body':
    'Dashboard links work once and expire after a while. Send /dashboard to the bot to get a new one.',
  'dashboard.confirmLogin.title': 'Open your dashboard?',
  'dashboard.confirmLogin.body':
    'This logs this browser in to your maiimg dashboard. If you did not open this link yourself, close this page.',
  'dashboard.confirmLogin.button': 'Open the dashboard',
  'dashboard.loginNeeded.title': 'Please log in',
  'dashboard.loginNeeded.body':
    'Send /dashboard to the maiimg bot (it answers with a private link that logs you in), or open the private manage link you got when you uploaded on the web.',
  'dashboard.csrf.title': 'This form has expired',
  'dashboard.csrf.body': 'Reload the page and try again.',
  'dashboard.loggedOut.title': 'Logged out',
  'dashboard.loggedOut.body':
    'You are logged out of the dashboard. Send /dashboard to the bot, or open your manage link, to log in again.',
  'dashboard.notFound.body': 'You have no gallery at this address.',
  'dashboard.badRequest.title': 'That did not work',
  'dashboard.badRequest.body': 'Some of the filters were not understood. Go back and check them.',
  // web upload page and manage links (gallery-web/upload)
  'upload.title': 'Share photos with a link',
  'upload.intro':
    'No account needed. Add up to {count} images and get a link and a QR code to share, plus a private link that shows you who opened it.',
  'upload.drop': 'Drop images here',
  'upload.choose': 'Choose images',
  'upload.limits': 'Up to {count} images, at most {size} each: PNG, JPEG, GIF or WebP.',
  'upload.options': 'More options',
  'upload.field.title': 'Title (optional)',
  'upload.field.expires': 'The link expires',
  'upload.expires.never': 'Never',
  'upload.expires.day': 'After 1 day',
  'upload.expires.week': 'After 7 days',
  'upload.expires.month': 'After 30 days',
  'upload.field.maxOpens': 'Maximum opens (optional)',
  'upload.field.password': 'Password (optional)',
  'upload.field.passwordHint': 'Visitors must enter it to see the photos.',
  'upload.field.downloads': 'Let visitors download the original images',
  'upload.submit': 'Upload and get a link',
  'upload.cancel': 'Cancel',
  'upload.remove': 'Remove',
  'upload.removeAll': 'Remove all',
  'upload.fileReady': 'ready',
  'upload.fileDone': 'uploaded',
  'upload.noFiles': 'Add at least one image first.',
  'upload.tooMany': 'You added {count} images; one gallery takes at most {limit}. Remove some before uploading.',
  'upload.skipped': 'Files marked with a problem will not be uploaded.',
  'upload.total': 'Total',
  'upload.progress': 'Uploading: {percent} %',
  'upload.processing': 'Uploaded. Preparing the gallery…',
  'upload.failed': 'The upload did not complete. Check your connection and try again.',
  'upload.cancelled': 'Upload cancelled. Nothing was saved.',
  'upload.result.title': 'Your gallery is ready',
  'upload.result.share': 'Share this link',
  'upload.result.open': 'Open gallery',
  'upload.result.shareSheet': 'Share…',
  'upload.mine.title': 'My galleries in this browser',
  'upload.mine.note': 'Remembered only in this browser, so you can find your manage links again.',
  'upload.mine.open': 'Open',
  'upload.mine.manage': 'Manage',
  'upload.mine.forget': 'Forget',
  'upload.mine.forgetAll': 'Forget all',
  'upload.mine.forgetLabel': 'Forget {title}',
  'upload.copy': 'Copy',
  'upload.copied': 'Copied',
  'upload.qr.title': 'QR code',
  'upload.qr.alt': 'QR code of the gallery link',
  'upload.qr.png': 'Download PNG',
  'upload.qr.svg': 'Download SVG',
  'upload.manage.title': 'Your private manage link',
  'upload.manage.warning':
    'Keep this link safe and do not share it: whoever has it can see who opened your gallery, change its settings, turn it off or delete it. There is no account, so this link is the only way to manage the gallery, and it is not shown again. Save it now.',
  'upload.manage.open': 'Open the dashboard',
  'upload.another': 'Upload more photos',
  'upload.bots': 'You can also send photos to the maiimg bot in Telegram, Discord or Slack.',
  'upload.error.csrf': 'This page has expired. Reload it and try again.',
  'upload.error.rateLimited': 'Too many uploads from your network. Please wait a while and try again.',
  'upload.error.badRequest': 'The upload could not be read. Please try again.',
  'upload.error.quota': 'Your network has uploaded as much as it may today. Please try again tomorrow.',
  'upload.error.busy': 'The server is busy with other uploads. Please try again in a minute.',
  'manage.invalid.title': 'This manage link is not valid',
  'manage.invalid.body':
    'Check that you copied the whole link. When a gallery is deleted, or its manage link is replaced, the old link stops working.',
  'manage.rotate.title': 'Manage link',
  'manage.rotate.body':
    'Anyone with the manage link can change and delete this gallery. Replace it if it was shared by mistake: the old link stops working at once.',
  'manage.rotate.button': 'Replace the manage link',
  'manage.rotated.title': 'Your new manage link',
  'manage.rotated.body':
    'Save this link now: it is shown only once. The old manage link no longer works, and other browsers logged in with it are logged out.',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  UNSUPPORTED_FORMAT: '不是 PNG、JPEG、GIF 或 WebP 图片',
  EMPTY_FILE: '是空文件',
  FILE_TOO_LARGE: '超过了 {limit} 的大小上限',
  CORRUPT_IMAGE: '已损坏或不完整，无法打开',
  IMAGE_TOO_LARGE: '像素过多（{pixels}，上限为 {limit}）',
  TOO_MANY_FRAMES: '是一个 {frames} 帧的动画，上限为 {limit} 帧',
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
  'telegram.cloudLimit':
    '超过了 Telegram 允许机器人下载的 20 MB 上限。请发送更小的文件，或请管理员自建 Telegram Bot API 服务器（TELEGRAM_API_ROOT）并设置 TELEGRAM_LOCAL_MODE=true，上限即可提高到 {limit}。',
  'telegram.command.start': '开始：如何创建相册',
  'telegram.command.help': '帮助和全部命令',
  'telegram.command.list': '你的相册、状态和打开次数',
  'telegram.command.stats': '<链接>：谁打开了相册',
  'telegram.command.disable': '<链接>：停用链接（图片保留）',
  'telegram.command.enable': '<链接>：重新启用链接',
  'telegram.command.delete': '<链接>：删除相册（会先确认）',
  'telegram.command.expire': '<链接> <7d|日期|off>：设置过期时间',
  'telegram.command.maxviews': '<链接> <次数|off>：限制打开次数',
  'telegram.command.password': '<链接> <密码|off>：仅限私聊',
  'telegram.command.download': '<链接> <on|off>：是否允许下载',
  'telegram.command.title': '<链接> <标题>：重命名相册',
  'telegram.command.alerts': '<链接> <on|off>：首次被打开时是否通知我',
  'telegram.command.dashboard': '你的管理面板私密链接',
  'telegram.sentPrivately': '已通过私聊发给你。',
  'telegram.privateFailed': '我还无法给你发私信：请打开与 @{bot} 的聊天并点击“开始”，然后再试一次。',
  'alerts.on': '「{title}」首次被打开时我会通知你。',
  'alerts.off': '「{title}」首次被打开时不再通知你。',
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
    '/alerts <链接> <on|off>：首次被打开时是否通知我\n' +
    '/dashboard：管理面板的私密链接（图表、访问记录）\n' +
    '也可以直接回复相册消息来代替 <链接>。',
  FILE_UNREADABLE: '无法读取',
  'slack.help':
    '在私信中给我发送图片，或在频道中分享图片并提及我，我会在消息串中回复相册链接和二维码。几秒内连续分享的文件会合成一个相册。\n' +
    '命令（回复只有你能看到）：\n' +
    '{command} list：你的相册\n' +
    '{command} stats <链接>：谁打开了它\n' +
    '{command} disable <链接>、{command} enable <链接>：停用或启用链接（图片保留）\n' +
    '{command} delete <链接>：删除相册\n' +
    '{command} expire <链接> <7d|2026-12-31|off>\n' +
    '{command} maxviews <链接> <次数|off>\n' +
    '{command} password <链接> <密码|off>\n' +
    '{command} download <链接> <on|off>\n' +
    '{command} title <链接> <标题>\n' +
    '{command} alerts <链接> <on|off>：首次被打开时是否通知我\n' +
    '/dashboard：管理面板的私密链接（图表、访问记录）',
  'slack.loginPage':
    'Slack 返回了登录页面，而不是 {files}。应用需要 files:read 权限：管理员可以在应用设置中添加该权限（见 bots/slack/manifest.yml），然后重新安装应用。',
  'slack.qrTitle': '相册二维码',
  'slack.deleteConfirmTitle': '删除这个相册？',
  'slack.deleteConfirmText': '相册及其所有图片将被永久删除，此操作无法撤销。',
  'slack.restarting': '我正在重启，请过一分钟再分享图片。',
  'slack.chartTitle': '相册的打开情况',
  'slack.chartInDirectMessage': '图表已发到我们的私信中，只有你能看到。',
  'web.home.title': 'maiimg：来自聊天的照片相册',
  'web.home.body':
    '在 Telegram、Discord 或 Slack 中把照片发给 maiimg 机器人，即可获得一个可分享的相册链接。你能看到谁打开了它，也可以随时停用链接。',
  'web.gallery.download': '下载',
  'web.gallery.photoCount': '{count|other:# 张照片}',
  'web.gallery.downloadAll': '全部下载，{size}',
  'web.gallery.downloadOne': '下载，{size}',
  'web.gallery.imageAlt': '{name}，第 {position} 张，共 {count} 张',
  'web.gallery.loading': '加载中……',
  'web.lightbox.close': '关闭',
  'web.lightbox.previous': '上一张',
  'web.lightbox.next': '下一张',
  'web.password.title': '此相册受密码保护',
  'web.password.label': '密码',
  'web.password.submit': '打开相册',
  'web.password.show': '显示',
  'web.password.hide': '隐藏',
  'web.password.wrong': '密码错误，请重试。',
  'web.password.tooMany': '尝试次数过多，请等几分钟后再试。',
  'web.state.disabled': '此链接已被停用',
  'web.state.disabledBody': '相册的所有者已停用此链接。',
  'web.state.expired': '此链接已过期',
  'web.state.expiredBody': '相册的所有者设置了此相册在某个日期后不再可用。',
  'web.state.exhausted': '此链接已达到最大打开次数',
  'web.state.exhaustedBody': '相册的所有者只允许此相册被打开有限的次数。',
  'web.notFound.title': '找不到相册',
  'web.notFound.body': '此地址没有相册，请检查你收到的链接。',
  'web.pageNotFound.title': '找不到页面',
  'web.pageNotFound.body': '此地址没有任何内容。',
  'web.about': 'maiimg 把从聊天或本网站发送的照片变成一个私密相册链接。',
  'web.makeYourOwn': '创建你自己的相册',
  'web.error.title': '出了点问题',
  'web.error.body': '请稍后重试。',
  'web.tooMany.title': '请求过多',
  'web.tooMany.body': '你的网络尝试了太多不存在的地址，请等几分钟再试。',
  'discord.command': '创建照片相册并管理链接',
  'discord.upload': '用你附加的图片创建相册',
  'discord.list': '列出你的相册',
  'discord.stats': '查看谁打开了相册',
  'discord.disable': '停用链接（图片保留）',
  'discord.enable': '重新启用链接',
  'discord.delete': '删除相册及其图片',
  'discord.expire': '设置链接的过期时间',
  'discord.maxviews': '限制链接可被打开的次数',
  'discord.password': '设置或移除相册密码',
  'discord.download': '允许或禁止下载原图',
  'discord.title': '修改相册标题',
  'discord.alerts': '设置相册首次被打开时是否通知我',
  'discord.dashboard': '获取你的管理面板私密链接',
  'discord.option.enabled': '首次被打开时是否发消息通知？',
  'discord.option.image': '放入相册的图片',
  'discord.option.title': '相册标题',
  'discord.option.expires': '链接何时过期：7d、12h、2026-12-31 或 off',
  'discord.option.maxViews': '链接可被打开的次数',
  'discord.option.password': '访客需要输入的密码',
  'discord.option.download': '允许访客下载原图',
  'discord.option.link': '相册链接或编号',
  'discord.option.when': '7d、12h、2026-12-31 或 off',
  'discord.option.count': '一个数字，或 off',
  'discord.option.newPassword': '密码，或 off 以移除密码',
  'discord.option.allowed': '是否允许下载？',
  'discord.option.text': '新标题（留空则移除标题）',
  'discord.stopping': '我正在重启，请过一分钟再发送图片。',
  'discord.help':
    '在私信中给我发送图片，或在频道中提及我并附上图片，我会回复相册链接和二维码。连续发送的多条消息会合成一个相册。\n' +
    '也可以使用 /gallery upload 并附上图片。用 /gallery list、stats、disable、enable、delete、expire、maxviews、password、download、title 和 alerts 管理你的相册；/dashboard 会给你管理面板的私密链接。',
  // visit analytics and the owner dashboard (core/analytics, gallery-web/dashboard)
  'analytics.unknown': '未知',
  'analytics.device.desktop': '电脑',
  'analytics.device.mobile': '手机',
  'analytics.device.tablet': '平板',
  'analytics.device.smarttv': '智能电视',
  'analytics.device.console': '游戏机',
  'analytics.device.wearable': '可穿戴设备',
  'analytics.device.embedded': '嵌入式设备',
  'analytics.device.xr': 'XR 头显',
  'analytics.chart.trend': '每日打开次数（最近 30 天）',
  'analytics.chart.trendDescription': '最近 {days} 天共打开 {opens} 次',
  'analytics.chart.hours': '按小时分布（{zone}）',
  'analytics.chart.peak': '最繁忙时段：{hour}（{opens} 次）',
  'analytics.chart.empty': '还没有人打开',
  'analytics.chart.countries': '主要国家和地区',
  'analytics.chart.devices': '设备类型',
  'analytics.chart.summary': '打开 {opens} 次 · 访客 {unique} 位 · 链接预览 {previews} 次 · 机器人 {bots} 次',
  'analytics.summary.peak': '高峰时段：{hour}（{zone}）',
  'analytics.summary.countries': '主要国家和地区：{list}',
  'analytics.summary.devices': '设备：{list}',
  'analytics.summary.topImage': '最受关注：第 {position} 张 {name}（{views} 次查看）',
  'analytics.alert.firstOpen': '「{title}」刚刚被首次打开。\n时间：{time}\n地点：{place}\n设备：{device}',
  'analytics.alert.uniqueVisitors':
    '「{title}」在过去一小时内被 {count} 位不同的访客打开（超过 {limit} 位）。如果链接传播超出了你的预期，请停用它。',
  'analytics.alert.countries':
    '「{title}」在过去一天内被来自 {count} 个国家和地区的访客打开（{countries}；超过 {limit} 个）。如果链接传播超出了你的预期，请停用它。',
  'dashboard.button': '管理面板',
  'dashboard.link':
    '你的管理面板：{url}\n此链接可直接登录，{minutes} 分钟内有效。请勿分享：拿到它的人可以管理你的相册。',
  'dashboard.title': '管理面板',
  'dashboard.logout': '退出登录',
  'dashboard.galleries': '你的相册',
  'dashboard.col.preview': '预览',
  'dashboard.col.gallery': '相册',
  'dashboard.col.state': '状态',
  'dashboard.col.opens': '打开次数',
  'dashboard.col.lastOpen': '最近打开',
  'dashboard.col.time': '时间',
  'dashboard.col.place': '地点',
  'dashboard.col.browser': '浏览器 / 系统',
  'dashboard.col.referrer': '来源',
  'dashboard.col.language': '语言',
  'dashboard.col.photos': '看过的照片',
  'dashboard.col.ip': 'IP 地址',
  'dashboard.total.opens': '打开次数',
  'dashboard.total.unique': '独立访客',
  'dashboard.total.previews': '链接预览',
  'dashboard.total.bots': '机器人',
  'dashboard.total.probes': '预取与检查',
  'dashboard.total.lastOpen': '最近打开',
  'dashboard.charts': '图表',
  'dashboard.browsers': '浏览器',
  'dashboard.systems': '操作系统',
  'dashboard.referrers': '来源网站',
  'dashboard.direct': '直接访问或聊天应用',
  'dashboard.cities': '主要城市',
  'dashboard.images': '最受关注的照片',
  'dashboard.controls': '链接设置',
  'dashboard.expiry': '过期日期',
  'dashboard.save': '保存',
  'dashboard.remove': '移除',
  'dashboard.passwordEmpty': '请输入新密码；如需取消密码，请点“移除”。',
  'dashboard.titleField': '标题',
  'dashboard.galleryLink': '相册链接',
  'dashboard.openLink': '打开',
  'dashboard.maxOpens': '最多打开次数',
  'dashboard.unlimited': '不限',
  'dashboard.passwordSet': '设置密码',
  'dashboard.passwordChange': '修改密码',
  'dashboard.downloads': '允许下载',
  'dashboard.alerts': '首次被打开时通知我',
  'dashboard.on': '开',
  'dashboard.off': '关',
  'dashboard.confirmDelete': '请勾选复选框以确认删除。',
  'dashboard.visits': '访问记录',
  'dashboard.from': '从',
  'dashboard.to': '到',
  'dashboard.country': '国家和地区',
  'dashboard.device': '设备',
  'dashboard.kind': '类型',
  'dashboard.kind.all': '全部',
  'dashboard.kind.human': '打开',
  'dashboard.kind.preview': '链接预览',
  'dashboard.kind.bot': '机器人',
  'dashboard.filter': '筛选',
  'dashboard.csv': '导出 CSV',
  'dashboard.logCount': '{count|other:共 # 条访问记录。}',
  'dashboard.timesIn': '时间为 {zone}。',
  'dashboard.chartZone': '图表按 {zone} 的日期和小时统计。',
  'dashboard.chartsFiltered': '图表只统计筛选出的访问。',
  'dashboard.previewApps': '各应用的链接预览',
  'dashboard.empty':
    '还没有相册。在本网站首页上传照片，或在 Telegram、Discord 或 Slack 中把照片发给 maiimg 机器人；你创建的每个相册都会显示在这里，并能看到谁打开过。',
  'dashboard.emptyUpload': '上传照片',
  'dashboard.newer': '较新',
  'dashboard.older': '较早',
  'dashboard.pageOf': '第 {page} 页，共 {pages} 页',
  'dashboard.linkInvalid.title': '此管理面板链接已失效',
  'dashboard.linkInvalid.body':
    '管理面板链接只能使用一次，并会在一段时间后过期。向机器人发送 /dashboard 即可获取新链接。',
  'dashboard.confirmLogin.title': '打开你的管理面板？',
  'dashboard.confirmLogin.body': '这会让此浏览器登录你的 maiimg 管理面板。如果这个链接不是你自己打开的，请关闭此页面。',
  'dashboard.confirmLogin.button': '打开管理面板',
  'dashboard.loginNeeded.title': '请先登录',
  'dashboard.loginNeeded.body':
    '向 maiimg 机器人发送 /dashboard（它会回复一个可直接登录的私密链接），或打开你在网页上传时获得的私密管理链接。',
  'dashboard.csrf.title': '此表单已过期',
  'dashboard.csrf.body': '请刷新页面后重试。',
  'dashboard.loggedOut.title': '已退出登录',
  'dashboard.loggedOut.body': '你已退出管理面板。向机器人发送 /dashboard 或打开你的管理链接即可重新登录。',
  'dashboard.notFound.body': '此地址下没有你的相册。',
  'dashboard.badRequest.title': '操作未成功',
  'dashboard.badRequest.body': '部分筛选条件无法识别，请返回检查。',
  'upload.title': '用链接分享照片',
  'upload.intro':
    '无需注册账号。添加最多 {count} 张图片，即可获得可分享的链接和二维码，以及一个能看到谁打开了相册的私密链接。',
  'upload.drop': '把图片拖到这里',
  'upload.choose': '选择图片',
  'upload.limits': '最多 {count} 张图片，每张不超过 {size}：PNG、JPEG、GIF 或 WebP。',
  'upload.options': '更多选项',
  'upload.field.title': '标题（可选）',
  'upload.field.expires': '链接有效期',
  'upload.expires.never': '永不过期',
  'upload.expires.day': '1 天后过期',
  'upload.expires.week': '7 天后过期',
  'upload.expires.month': '30 天后过期',
  'upload.field.maxOpens': '最多打开次数（可选）',
  'upload.field.password': '密码（可选）',
  'upload.field.passwordHint': '访客需要输入密码才能查看照片。',
  'upload.field.downloads': '允许访客下载原图',
  'upload.submit': '上传并获取链接',
  'upload.cancel': '取消',
  'upload.remove': '移除',
  'upload.removeAll': '全部移除',
  'upload.fileReady': '待上传',
  'upload.fileDone': '已上传',
  'upload.noFiles': '请先添加至少一张图片。',
  'upload.tooMany': '你添加了 {count} 张图片，一个相册最多 {limit} 张。请先移除一些再上传。',
  'upload.skipped': '标出问题的文件不会被上传。',
  'upload.total': '总进度',
  'upload.progress': '正在上传：{percent}%',
  'upload.processing': '上传完成，正在生成相册……',
  'upload.failed': '上传未完成。请检查网络连接后重试。',
  'upload.cancelled': '已取消上传，未保存任何内容。',
  'upload.result.title': '相册已生成',
  'upload.result.share': '分享这个链接',
  'upload.result.open': '打开相册',
  'upload.result.shareSheet': '分享……',
  'upload.mine.title': '我在此浏览器中的相册',
  'upload.mine.note': '只保存在此浏览器中，方便你再次找到管理链接。',
  'upload.mine.open': '打开',
  'upload.mine.manage': '管理',
  'upload.mine.forget': '忘记',
  'upload.mine.forgetAll': '全部忘记',
  'upload.mine.forgetLabel': '忘记 {title}',
  'upload.copy': '复制',
  'upload.copied': '已复制',
  'upload.qr.title': '二维码',
  'upload.qr.alt': '相册链接的二维码',
  'upload.qr.png': '下载 PNG',
  'upload.qr.svg': '下载 SVG',
  'upload.manage.title': '你的私密管理链接',
  'upload.manage.warning':
    '请妥善保管此链接，不要分享给他人：拿到它的人可以查看谁打开了你的相册、修改设置、停用或删除相册。本服务没有账号，这个链接是管理相册的唯一方式，而且不会再次显示。请立即保存。',
  'upload.manage.open': '打开管理面板',
  'upload.another': '继续上传照片',
  'upload.bots': '你也可以在 Telegram、Discord 或 Slack 中把照片发给 maiimg 机器人。',
  'upload.error.csrf': '此页面已过期，请刷新后重试。',
  'upload.error.rateLimited': '来自你所在网络的上传次数过多，请稍后再试。',
  'upload.error.badRequest': '无法读取上传的内容，请重试。',
  'upload.error.quota': '你所在网络今天的上传量已达上限，请明天再试。',
  'upload.error.busy': '服务器正在处理其他上传，请一分钟后再试。',
  'manage.invalid.title': '此管理链接无效',
  'manage.invalid.body': '请检查是否完整复制了链接。相册被删除或管理链接被更换后，旧链接即失效。',
  'manage.rotate.title': '管理链接',
  'manage.rotate.body': '任何拿到管理链接的人都能修改和删除此相册。如果不慎分享了它，请更换：旧链接会立即失效。',
  'manage.rotate.button': '更换管理链接',
  'manage.rotated.title': '你的新管理链接',
  'manage.rotated.body': '请立即保存此链接：它只显示这一次。旧的管理链接已失效，用它登录的其他浏览器也已退出。',
};

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export function messageKeys(locale: Locale): MessageKey[] {
  return Object.keys(catalogues[locale]) as MessageKey[];
}

const pluralRules = new Map<Locale, Intl.PluralRules>();

/**
 * Picks a plural form: `{count|one:# photo|other:# photos}` reads `count`, asks Intl.PluralRules
 * for its category in the locale (`one`, `few`, `other`...) and puts the number where `#` is.
 * Chinese has no plural forms and writes only `other`.
 */
function plural(locale: Locale, value: unknown, forms: string): string {
  const options = new Map(
    forms.split('|').map((form) => {
      const colon = form.indexOf(':');
      return [form.slice(0, colon), form.slice(colon + 1)] as const;
    }),
  );
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  const count = Number(value);
  const form = options.get(rules.select(count)) ?? options.get('other') ?? '';
  return form.replace(/#/g, new Intl.NumberFormat(locale).format(count));
}

/** Render one message. Unknown placeholders are left visible so a missing parameter is noticed. */
export function t(locale: Locale, key: MessageKey, params: ErrorParams = {}): string {
  const template = catalogues[locale][key] ?? en[key];
  return template
    .replace(/\{(\w+)\|([^{}]+)\}/g, (whole, name: string, forms: string) =>
      name in params ? plural(locale, params[name], forms) : whole,
    )
    .replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
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
