import { Type } from '@sinclair/typebox';
import { hexColour, pageUrlProblem } from '../../access/index.js';
import { ApiError } from '../api/api-error.js';

const TEXT = Type.Optional(Type.String({ maxLength: 500 }));

/** `login_design` of an organization (Cloudflare's shape): the look of the team's visitor pages. */
export const LOGIN_DESIGN_SCHEMA = Type.Object(
  {
    background_color: Type.Optional(Type.String({ maxLength: 64, description: 'Page background, #rrggbb' })),
    text_color: Type.Optional(Type.String({ maxLength: 64, description: 'Header and footer text, #rrggbb' })),
    logo_path: Type.Optional(Type.String({ maxLength: 1024, description: 'An https URL of the team logo' })),
    header_text: TEXT,
    footer_text: TEXT,
  },
  { description: "The look of the team's sign-in, denied and App Launcher pages" },
);

/**
 * Checks an organization body's `login_design`: colours must be `#rgb` or `#rrggbb` and the logo
 * an https URL (a `javascript:` or `data:` URL is refused). Text is kept as given: the pages escape it.
 */
export function checkLoginDesign(body: Record<string, unknown>): void {
  const d = body.login_design;
  if (d === undefined || d === null) return;
  if (typeof d !== 'object' || Array.isArray(d))
    throw ApiError.invalid('login_design must be an object').at('/login_design');
  const o = d as Record<string, unknown>;
  for (const f of ['background_color', 'text_color']) {
    const v = o[f];
    if (v !== undefined && v !== '' && hexColour(v) === undefined) {
      throw ApiError.invalid(`login_design.${f} must be a colour as #rrggbb (or #rgb), like #1d4ed8`).at(
        `/login_design/${f}`,
      );
    }
  }
  const logo = o.logo_path;
  if (logo !== undefined && logo !== '') {
    const problem = typeof logo === 'string' ? pageUrlProblem(logo) : 'is not a string';
    if (problem !== undefined) {
      throw ApiError.invalid(
        `login_design.logo_path ${problem}; give an https:// URL of an image, or leave it empty`,
      ).at('/login_design/logo_path');
    }
  }
}
