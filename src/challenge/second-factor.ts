/** What a user sends at the second-factor step (POST /login/mfa): one kind of answer. */
export interface ChallengeAnswer {
  /** A TOTP code. */
  code?: string;
  recoveryCode?: string;
  /** A passkey's `AuthenticationResponseJSON`, to the options of POST /login/mfa/passkey/options. */
  passkey?: object;
}

/**
 * A way to answer a challenge (TOTP, recovery codes, passkeys next). Its module registers it
 * with SecondFactors at start; the challenge asks each registered factor in turn.
 */
export interface SecondFactor {
  /** The methods it answers for, as the `mfa_required` answer lists them. */
  readonly methods: readonly string[];
  /**
   * Whether the user can answer with it (the `mfa_required` answer lists only those); every user
   * when left out.
   */
  offeredTo?(userId: string): Promise<boolean>;
  /**
   * The method the answer passed as, or null (wrong, or not an answer of this factor).
   * `challengeKey` names the challenge (what a factor's own state may be bound to).
   */
  verify(userId: string, answer: ChallengeAnswer, challengeKey: string): Promise<string | null>;
}
