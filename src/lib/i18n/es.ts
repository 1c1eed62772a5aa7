import type { Translation } from './types';

/** Spanish (español). */
const es: Translation = {
  app: {
    name: 'Backpack',
    tagline: 'Tu historial de dolor de espalda y cuello',
    skip: 'Saltar al contenido',
    language: 'Idioma',
    nav: 'Principal',
  },
  nav: {
    record: 'Historial',
    checkin: 'Registro',
    measure: 'Medir',
    share: 'Compartir',
    messages: 'Mensajes',
  },
  pwa: {
    offlineReady: 'Backpack ya funciona sin conexión.',
    updateReady: 'Hay una nueva versión de Backpack.',
    reload: 'Recargar',
    dismiss: 'Cerrar',
  },
  sync: {
    local: 'Solo en este dispositivo',
    offline: {
      one: 'Sin conexión — {n} cambio en espera',
      other: 'Sin conexión — {n} cambios en espera',
    },
    offlineNone: 'Sin conexión',
    pending: { one: 'Sincronizando {n} cambio…', other: 'Sincronizando {n} cambios…' },
    pendingNone: 'Conectando…',
    synced: 'Sincronizado',
    problem: 'Problema de sincronización: {detail}',
  },
  common: {
    loading: 'Cargando…',
    working: 'Procesando…',
    continue: 'Continuar',
    back: 'Atrás',
    cancel: 'Cancelar',
    unexpected: 'Algo salió mal. No se cambió nada; inténtalo de nuevo.',
    comingSoon: 'Próximamente',
  },
  nrs: { point: '{n} — {label}', low: 'sin dolor', high: 'el peor dolor imaginable' },
  passphrase: {
    label: 'Frase de contraseña',
    repeat: 'Repite la frase de contraseña',
    show: 'Mostrar la frase de contraseña',
    tooShort: 'Usa al menos {min} caracteres.',
    mismatch: 'Las dos frases de contraseña no coinciden.',
    empty: 'Escribe tu frase de contraseña.',
    createHint:
      'Al menos {min} caracteres. Protege el historial en este dispositivo y nunca se envía a ningún sitio. Unas cuantas palabras sin relación entre sí funcionan bien.',
    unlockHint: 'La frase de contraseña que elegiste en este dispositivo.',
  },
  kit: {
    title: 'Tu kit de recuperación',
    explain:
      'Si pierdes todos tus dispositivos, este código recupera tu historial. Guárdalo en papel, en un lugar seguro. Cualquiera que tenga el código puede abrir tu historial.',
    codeLabel: 'Código de recuperación',
    qrLabel: 'El código de recuperación como código QR',
    warning: 'Esta es la única vez que se muestra el código.',
    print: 'Imprimir',
    saved: 'He impreso o anotado mi código de recuperación',
  },
  checkin: {
    title: 'Registro',
    intro: '¿Cuánto dolor tienes ahora? Elige un número para cada zona que te duela.',
    region: { back: 'Dolor lumbar', leg: 'Dolor de pierna', neck: 'Dolor de cuello' },
    note: '¿Algo que añadir? (opcional)',
    save: 'Guardar',
    saved: 'Guardado.',
    needOne: 'Elige un número para al menos una zona.',
    toRecord: 'Ver tu historial',
    another: 'Añadir otro',
  },
  timeline: {
    label: 'Tus registros, los más recientes primero',
    empty: 'Aún no hay nada. Tus registros y notas aparecerán aquí.',
    checkin: 'Dolor',
    byThisDevice: 'tú, en este dispositivo',
    byOtherDevice: 'tú, en otro de tus dispositivos',
  },
  role: {
    owner: 'tú',
    delegate: 'un familiar',
    professional: 'un profesional',
    viewer: 'un familiar',
  },
  unlock: {
    title: 'Desbloquea tu historial',
    explain: 'Tu historial está guardado cifrado en este dispositivo.',
    submit: 'Desbloquear',
    wrong: 'Esa frase de contraseña no abre el historial en este dispositivo.',
  },
  welcome: {
    title: 'Te damos la bienvenida a Backpack',
    lead: 'Backpack guarda la historia de tu dolor de espalda o cuello, para que no tengas que contarla de nuevo en cada visita.',
    point1: 'Tu historial está cifrado en tu dispositivo. El relé solo ve datos cifrados.',
    point2: 'Tú decides quién ve qué y durante cuánto tiempo.',
    point3: 'Funciona sin conexión.',
    create: 'Crear un historial nuevo',
    link: 'Vincular este dispositivo a mi historial',
    restore: 'Restaurar con un kit de recuperación',
  },
  create: {
    title: 'Crea tu historial',
    explain: 'Elige una frase de contraseña para proteger el historial en este dispositivo.',
    submit: 'Crear mi historial',
  },
  restore: {
    title: 'Restaura tu historial',
    explain:
      'Escribe el código de recuperación de tu kit y luego elige una frase de contraseña para este dispositivo.',
    code: 'Código de recuperación',
    submit: 'Restaurar mi historial',
    error: {
      empty: 'Escribe el código de recuperación.',
      characters:
        'El código tiene caracteres que no aparecen en un código de recuperación. Revisa si hay errores.',
      length:
        'El código es demasiado corto o demasiado largo. Comprueba que lo has escrito entero.',
      checksum: 'Hay un error en algún punto del código. Compáralo con tu kit.',
      'not-found': 'El relé no tiene ningún historial para este código.',
      'does-not-open': 'Este código no abre el historial del relé. ¿Es tu kit más reciente?',
      manifest: 'No se pudo verificar el historial del relé.',
    },
  },
  link: {
    newTitle: 'Vincular este dispositivo',
    newExplain:
      'Primero elige una frase de contraseña para este dispositivo. Después muestra el código de vinculación a un dispositivo que ya tenga tu historial.',
    show: 'Mostrar código de vinculación',
    waitTitle: 'Código de vinculación',
    waitExplain:
      'En tu otro dispositivo, abre Compartir, pega o escanea este código y comprueba que los números coinciden.',
    thisFingerprint: 'Números de este dispositivo:',
    waiting: 'Esperando a tu otro dispositivo…',
    qrLabel: 'El código de vinculación como código QR',
    codeText: 'Código de vinculación',
    copy: 'Copiar código',
    copied: 'Copiado',
    error: {
      'not-a-link-code': 'Esto no es un código de vinculación de Backpack.',
      damaged: 'El código de vinculación está dañado. Cópialo de nuevo.',
    },
  },
  devices: {
    title: 'Tus dispositivos',
    explain: 'Vincula otro teléfono, tableta u ordenador tuyo. Recibirá todo el historial.',
    codeLabel: 'Código de vinculación del nuevo dispositivo',
    check: 'Comprobar código',
    compare: 'Comprueba que el nuevo dispositivo muestra estos números:',
    approve: 'Los números coinciden: vincularlo',
    reject: 'No coinciden',
    linked: 'El dispositivo está vinculado.',
  },
  record: { title: 'Tu historial', checkIn: 'Registrar ahora', lock: 'Bloquear' },
  measure: {
    title: 'Medir',
    lead: 'Mide hasta dónde y con qué suavidad se mueven tu cuello y tu espalda, con los sensores de movimiento del teléfono.',
    soon: 'Las pruebas de movimiento guiadas llegarán en una próxima versión. Tus resultados se guardarán en tu historial.',
  },
  share: {
    title: 'Compartir',
    lead: 'Comparte tu historial con los profesionales y familiares que elijas: qué partes y durante cuánto tiempo.',
    soon: 'La opción de compartir con profesionales y familiares llegará en una próxima versión.',
  },
  messages: {
    title: 'Mensajes',
    lead: 'Prepara preguntas para tu próxima visita y lee las respuestas de tus profesionales.',
    soon: 'Los mensajes llegarán en una próxima versión.',
  },
};

export default es;
