import {
  abnormalItems,
  GONIO_MOVEMENTS,
  NEURO_ITEMS,
  type Goniometry,
  type NeuroScreen,
  type TreatmentSession,
} from '$lib/core/record/clinic-entries';
import { t } from '$lib/i18n';

/** How the professional clinical entries read (timeline, summary, the writer's "saved"). */

/** "Flexion 45°, Rotation left 70°". */
export function goniometryText(d: Goniometry): string {
  return GONIO_MOVEMENTS.flatMap((m) =>
    d.degrees[m] === undefined ? [] : [`${t(`clinic.movement.${m}`)} ${d.degrees[m]}°`],
  ).join(', ');
}

/** "Education about the condition, Exercise therapy · 30 min". */
export function treatmentText(d: TreatmentSession): string {
  return t('clinic.treatment.line', {
    what: d.components.map((c) => t(`clinic.component.${c}`)).join(', '),
    minutes: d.minutes,
  });
}

/** One screen item with its angle: "Straight-leg raise, left at 40°". */
function neuroItemText(d: NeuroScreen, item: (typeof NEURO_ITEMS)[number]): string {
  const name = t(`clinic.neuro.item.${item}`);
  const angle = d.items[item]?.angle;
  return angle === undefined ? name : t('clinic.neuro.atAngle', { item: name, angle });
}

/** "Abnormal: Straight-leg raise, left at 40°" or "Everything tested was normal (Reflexes)". */
export function neuroText(d: NeuroScreen): string {
  const abnormal = abnormalItems(d);
  if (abnormal.length > 0) {
    return t('clinic.neuro.abnormal', {
      items: abnormal.map((i) => neuroItemText(d, i)).join('; '),
    });
  }
  const tested = NEURO_ITEMS.filter((i) => d.items[i] !== undefined);
  return t('clinic.neuro.allNormal', {
    items: tested.map((i) => neuroItemText(d, i)).join(', '),
  });
}
