/** What a user sends at the second-factor step (POST /login/mfa): one kind of answer. */
export interface ChallengeAnswer {
  /** A TOTP code. */
  code?: string;
  recoveryCode?: string;
}

/**
 * A way to answer a challenge (TOTP, recovery codes, passkeys next). Its module registers it
 * with SecondFactors at start; the challenge asks each registered factor in turn.
 */
export interface SecondFactor {
  /** The methods it answers for, as the `mfa_required` answer lists them. */
  readonly methods: readonly string[];
  /** The method the answer passed as, or null (wrong, or not an answer of this factor). */
  verify(userId: string, answer: ChallengeAnswer): Promise<string | null>;
}
