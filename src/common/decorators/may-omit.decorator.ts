import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but a value that is sent, null included, must pass the field's rules.
 * (`@IsOptional()` also lets null through, which then reaches a NOT NULL column as a 500.)
 */
export const MayOmit = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
