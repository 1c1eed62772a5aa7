/**
 * English: the source of truth. Every other locale translates every key (the type `Translation`
 * and i18n.test.ts check it). `{name}` is filled from params; an object `{ one, other }` is a
 * plural, chosen by the `n` param.
 */
const en = {
  app: {
    name: 'Backpack',
    tagline: 'Your back and neck pain record',
    skip: 'Skip to content',
    language: 'Language',
    nav: 'Main',
  },
  nav: {
    record: 'Record',
    checkin: 'Check-in',
    measure: 'Measure',
    share: 'Share',
    messages: 'Messages',
  },
  pwa: {
    offlineReady: 'Backpack now works offline.',
    updateReady: 'A new version of Backpack is ready.',
    reload: 'Reload',
    dismiss: 'Dismiss',
  },
  sync: {
    local: 'On this device only',
    offline: { one: 'Offline — {n} change waiting', other: 'Offline — {n} changes waiting' },
    offlineNone: 'Offline',
    pending: { one: 'Syncing {n} change…', other: 'Syncing {n} changes…' },
    pendingNone: 'Connecting…',
    synced: 'Synced',
    problem: 'Sync problem: {detail}',
  },
  common: {
    loading: 'Loading…',
    working: 'Working…',
    continue: 'Continue',
    back: 'Back',
    cancel: 'Cancel',
    unexpected: 'Something went wrong. Nothing was changed; please try again.',
    comingSoon: 'Coming soon',
  },
  nrs: { point: '{n} — {label}', low: 'no pain', high: 'worst pain imaginable' },
  passphrase: {
    label: 'Passphrase',
    repeat: 'Repeat the passphrase',
    show: 'Show passphrase',
    tooShort: 'Use at least {min} characters.',
    mismatch: 'The two passphrases differ.',
    empty: 'Type your passphrase.',
    createHint:
      'At least {min} characters. It protects the record on this device and is never sent anywhere. A few unrelated words work well.',
    unlockHint: 'The passphrase you chose on this device.',
  },
  kit: {
    title: 'Your recovery kit',
    explain:
      'If you lose every device, this code brings your record back. Keep it on paper, somewhere safe. Anyone who has the code can open your record.',
    codeLabel: 'Recovery code',
    qrLabel: 'The recovery code as a QR code',
    warning: 'This is the only time the code is shown.',
    print: 'Print',
    saved: 'I have printed or written down my recovery code',
  },
  checkin: {
    title: 'Check-in',
    intro: 'How much pain do you have right now? Choose a number for each area that hurts.',
    region: { back: 'Low back pain', leg: 'Leg pain', neck: 'Neck pain' },
    note: 'Anything to add? (optional)',
    save: 'Save check-in',
    saved: 'Saved.',
    needOne: 'Choose a number for at least one area.',
    toRecord: 'See your record',
    another: 'Add another',
  },
  timeline: {
    label: 'Your entries, newest first',
    empty: 'Nothing here yet. Your check-ins and notes will appear here.',
    checkin: 'Pain',
    byThisDevice: 'you, on this device',
    byOtherDevice: 'you, on another of your devices',
  },
  role: {
    owner: 'you',
    delegate: 'a relative',
    professional: 'a professional',
    viewer: 'a relative',
  },
  unlock: {
    title: 'Unlock your record',
    explain: 'Your record is stored encrypted on this device.',
    submit: 'Unlock',
    wrong: 'That passphrase does not open the record on this device.',
  },
  welcome: {
    title: 'Welcome to Backpack',
    lead: 'Backpack keeps the story of your back or neck pain, so you do not have to tell it again at every visit.',
    point1: 'Your record is encrypted on your device. The relay only ever sees ciphertext.',
    point2: 'You choose who sees what, and for how long.',
    point3: 'It works offline.',
    create: 'Start a new record',
    link: 'Link this device to my record',
    restore: 'Restore from a recovery kit',
  },
  create: {
    title: 'Start your record',
    explain: 'Choose a passphrase to protect the record on this device.',
    submit: 'Create my record',
  },
  restore: {
    title: 'Restore your record',
    explain: 'Type the recovery code from your kit, then choose a passphrase for this device.',
    code: 'Recovery code',
    submit: 'Restore my record',
    error: {
      empty: 'Type the recovery code.',
      characters: 'The code has characters that are not in a recovery code. Check for typos.',
      length: 'The code is too short or too long. Check that you typed all of it.',
      checksum: 'The code has a typo somewhere. Check it against your kit.',
      'not-found': 'The relay has no record for this code.',
      'does-not-open': 'This code does not open the record on the relay. Is it your newest kit?',
      manifest: 'The record on the relay could not be verified.',
    },
  },
  link: {
    newTitle: 'Link this device',
    newExplain:
      'First choose a passphrase for this device. Then show the link code to a device that already has your record.',
    show: 'Show link code',
    waitTitle: 'Link code',
    waitExplain:
      'On your other device, open Share, paste or scan this code, and check that the numbers match.',
    thisFingerprint: 'Numbers of this device:',
    waiting: 'Waiting for your other device…',
    qrLabel: 'The link code as a QR code',
    codeText: 'Link code',
    copy: 'Copy code',
    copied: 'Copied',
    error: {
      'not-a-link-code': 'This is not a Backpack link code.',
      damaged: 'The link code is damaged. Copy it again.',
    },
  },
  devices: {
    title: 'Your devices',
    explain: 'Link another phone, tablet or computer of yours. It gets the whole record.',
    codeLabel: 'Link code from the new device',
    check: 'Check code',
    compare: 'Check that the new device shows these numbers:',
    approve: 'The numbers match: link it',
    reject: 'They do not match',
    linked: 'The device is linked.',
  },
  record: { title: 'Your record', checkIn: 'Check in now', lock: 'Lock' },
  measure: {
    title: 'Measure',
    lead: 'Measure how far and how smoothly your neck and back move, with your phone’s motion sensors.',
    soon: 'Guided movement tests arrive in a coming version. Your results will be saved in your record.',
  },
  share: {
    title: 'Share',
    lead: 'Share your record with the professionals and relatives you choose: which parts, and for how long.',
    soon: 'Sharing with professionals and relatives arrives in a coming version.',
  },
  messages: {
    title: 'Messages',
    lead: 'Prepare questions for your next visit, and read your professionals’ answers.',
    soon: 'Messages arrive in a coming version.',
  },
};

export default en;
export type Catalogue = typeof en;
